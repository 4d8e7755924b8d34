import { CloudEvent, HTTP } from 'cloudevents';
import type { PubsubMessage } from './pubsub-message';
import { pushedMessage } from './pubsub-message';

/** The CloudEvent type Eventarc gives a Pub/Sub message. */
export const MESSAGE_PUBLISHED = 'google.cloud.pubsub.topic.v1.messagePublished';

/** The two HTTP content modes of CloudEvents; functions-framework accepts both. */
export const CloudEventMode = { BINARY: 'binary', STRUCTURED: 'structured' } as const;
export type CloudEventMode = (typeof CloudEventMode)[keyof typeof CloudEventMode];

/** An HTTP request body and headers, ready for `fetch` (or a Cloud Tasks task). */
export interface CloudEventRequest {
  headers: Record<string, string>;
  body: string;
}

export interface CloudEventFields<T> {
  type: string;
  source: string;
  /** Default a random UUID. */
  id?: string | undefined;
  /** Default now. */
  time?: string | undefined;
  /** Sent as JSON (`datacontenttype: application/json`). */
  data: T;
}

/**
 * A CloudEvent as an HTTP request, written by the official SDK (which also
 * validates the attributes, so a bad id or time fails here, not at the receiver).
 */
export function cloudEventRequest<T>(
  fields: CloudEventFields<T>,
  mode: CloudEventMode,
): CloudEventRequest {
  const event = new CloudEvent<T>({
    specversion: '1.0',
    type: fields.type,
    source: fields.source,
    ...(fields.id === undefined ? {} : { id: fields.id }),
    ...(fields.time === undefined ? {} : { time: fields.time }),
    datacontenttype: 'application/json',
    data: fields.data,
  });
  const message = mode === CloudEventMode.BINARY ? HTTP.binary(event) : HTTP.structured(event);
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(message.headers)) if (typeof v === 'string') headers[k] = v;
  const body = typeof message.body === 'string' ? message.body : JSON.stringify(message.body);
  return { headers, body };
}

export interface PubsubEventOptions {
  /** `projects/P/topics/T`. */
  topic: string;
  /** Default `projects/P/subscriptions/deployer-push`. */
  subscription?: string | undefined;
  /** CloudEvent id; default the message id. */
  id?: string | undefined;
}

/** What a push subscription posts: `{message, subscription}`. */
export function pushBody(
  message: PubsubMessage,
  opts: PubsubEventOptions,
): { message: Record<string, unknown>; subscription: string } {
  const project = /^projects\/([^/]+)\//.exec(opts.topic)?.[1] ?? 'p';
  return {
    message: pushedMessage(message),
    subscription: opts.subscription ?? `projects/${project}/subscriptions/deployer-push`,
  };
}

/** A Pub/Sub message as Eventarc delivers it to a Cloud Run function (messagePublished). */
export function pubsubCloudEvent(
  message: PubsubMessage,
  opts: PubsubEventOptions,
  mode: CloudEventMode,
): CloudEventRequest {
  return cloudEventRequest(
    {
      type: MESSAGE_PUBLISHED,
      source: `//pubsub.googleapis.com/${opts.topic}`,
      id: opts.id ?? message.messageId,
      time: message.publishTime,
      data: pushBody(message, opts),
    },
    mode,
  );
}
