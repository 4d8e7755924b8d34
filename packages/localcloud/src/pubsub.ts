import type { PubsubMessage } from '@maskops/shared';
import { CloudEventMode, pubsubCloudEvent, pushBody } from '@maskops/shared';

/**
 * Pub/Sub push requests as a function receives them, for tests and the local
 * demo. The CloudEvent itself is written by `@maskops/shared` (the same code
 * `maskops-replay --url` sends with); this adds the local defaults and the path.
 */
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

function pushRequest(
  message: PubsubMessage,
  opts: PushOptions,
  mode: CloudEventMode | 'push',
): PushRequest {
  const topic = opts.topic ?? DEFAULT_TOPIC;
  const event = { topic, id: opts.id, subscription: opts.subscription };
  const path = `/${topic}`;
  if (mode === 'push') {
    const body = JSON.stringify(pushBody(message, event));
    return { headers: { 'content-type': 'application/json' }, body, path };
  }
  return { ...pubsubCloudEvent(message, event, mode), path };
}

/** Binary-mode CloudEvent, as Eventarc delivers a Pub/Sub message to a Cloud Run function. */
export const cloudEventBinary = (message: PubsubMessage, opts: PushOptions = {}): PushRequest =>
  pushRequest(message, opts, CloudEventMode.BINARY);

/** Structured-mode CloudEvent (`application/cloudevents+json`). */
export const cloudEventStructured = (message: PubsubMessage, opts: PushOptions = {}): PushRequest =>
  pushRequest(message, opts, CloudEventMode.STRUCTURED);

/** A plain Pub/Sub push request; post it to `path` so the topic can be recovered. */
export const pubsubPushBody = (message: PubsubMessage, opts: PushOptions = {}): PushRequest =>
  pushRequest(message, opts, 'push');
