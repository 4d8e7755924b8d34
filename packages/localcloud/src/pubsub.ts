import { randomInt } from 'node:crypto';

/** A Pub/Sub message as a push subscription delivers it (both spellings, as Pub/Sub sends). */
export interface PubsubMessage {
  data: string;
  attributes?: Record<string, string>;
  messageId: string;
  message_id: string;
  publishTime: string;
  publish_time: string;
  orderingKey?: string;
}

export interface PushOptions {
  /** `projects/P/topics/T`; default `projects/p/topics/cloud-builds`. */
  topic?: string;
  /** CloudEvent id; default the message id. */
  id?: string;
  subscription?: string;
}

export interface PushRequest {
  headers: Record<string, string>;
  body: string;
  /** Path to post to: functions-framework reads a plain push's topic from the URL path. */
  path: string;
}

const DEFAULT_TOPIC = 'projects/p/topics/cloud-builds';
export const MESSAGE_PUBLISHED = 'google.cloud.pubsub.topic.v1.messagePublished';

/** `data` may be bytes (a Buffer or Uint8Array, sent as is), a string (UTF-8) or anything else (JSON). */
export function pubsubMessage(
  data: unknown,
  opts: {
    attributes?: Record<string, string>;
    messageId?: string;
    publishTime?: string;
    orderingKey?: string;
  } = {},
): PubsubMessage {
  const bytes =
    data instanceof Uint8Array
      ? Buffer.from(data)
      : Buffer.from(typeof data === 'string' ? data : JSON.stringify(data), 'utf8');
  const messageId = opts.messageId ?? String(randomInt(1e12, 9e12));
  const publishTime = opts.publishTime ?? new Date().toISOString();
  const message: PubsubMessage = {
    data: bytes.toString('base64'),
    messageId,
    message_id: messageId,
    publishTime,
    publish_time: publishTime,
  };
  if (opts.attributes) message.attributes = { ...opts.attributes };
  if (opts.orderingKey !== undefined) message.orderingKey = opts.orderingKey;
  return message;
}

function parts(message: PubsubMessage, opts: PushOptions) {
  const topic = opts.topic ?? DEFAULT_TOPIC;
  const project = /^projects\/([^/]+)\//.exec(topic)?.[1] ?? 'p';
  const subscription = opts.subscription ?? `projects/${project}/subscriptions/deployer-push`;
  return {
    topic,
    data: { message, subscription },
    ce: {
      specversion: '1.0',
      type: MESSAGE_PUBLISHED,
      source: `//pubsub.googleapis.com/${topic}`,
      id: opts.id ?? message.messageId,
      time: message.publishTime,
    },
  };
}

/** Binary-mode CloudEvent, as Eventarc delivers a Pub/Sub message to a Cloud Run function. */
export function cloudEventBinary(message: PubsubMessage, opts: PushOptions = {}): PushRequest {
  const { topic, data, ce } = parts(message, opts);
  const headers: Record<string, string> = { 'content-type': 'application/json' };
  for (const [k, v] of Object.entries(ce)) headers[`ce-${k}`] = v;
  return { headers, body: JSON.stringify(data), path: `/${topic}` };
}

/** Structured-mode CloudEvent (`application/cloudevents+json`). */
export function cloudEventStructured(message: PubsubMessage, opts: PushOptions = {}): PushRequest {
  const { topic, data, ce } = parts(message, opts);
  const body = { ...ce, datacontenttype: 'application/json', data };
  return {
    headers: { 'content-type': 'application/cloudevents+json' },
    body: JSON.stringify(body),
    path: `/${topic}`,
  };
}

/** A plain Pub/Sub push request; post it to `path` so the topic can be recovered. */
export function pubsubPushBody(message: PubsubMessage, opts: PushOptions = {}): PushRequest {
  const { topic, data } = parts(message, opts);
  return {
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(data),
    path: `/${topic}`,
  };
}
