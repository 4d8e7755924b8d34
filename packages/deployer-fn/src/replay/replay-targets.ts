import { randomUUID } from 'node:crypto';
import type { CloudEventRequest, PubsubMessage } from '@maskops/shared';
import { CloudEventMode, pubsubCloudEvent } from '@maskops/shared';
import { replayError } from './replay-error';

/** `projects/P/topics/T`, or a bare topic name with the project given separately. */
export function topicPath(topic: string, project: string | undefined): string {
  const full = /^projects\/([a-z][a-z0-9-]{4,28}[a-z0-9])\/topics\/([A-Za-z][\w.~+%-]{2,254})$/;
  if (full.test(topic)) return topic;
  if (!/^[A-Za-z][\w.~+%-]{2,254}$/.test(topic)) {
    throw replayError.topicInvalid(topic);
  }
  if (!project) throw replayError.projectMissing(topic);
  return `projects/${project}/topics/${topic}`;
}

/**
 * The HTTP request Eventarc sends a function for a Pub/Sub message (binary
 * content mode): ce-* headers, the `{message, subscription}` body. A message
 * without an id or time gets fresh ones, as a real publish would.
 */
function replayEventRequest(message: PubsubMessage, topic: string): CloudEventRequest {
  const sent = {
    ...message,
    messageId: message.messageId ?? randomUUID(),
    publishTime: message.publishTime ?? new Date().toISOString(),
  };
  const subscription = `${topic.replace('/topics/', '/subscriptions/')}-replay`;
  try {
    return pubsubCloudEvent(sent, { topic, subscription }, CloudEventMode.BINARY);
  } catch (err) {
    // The SDK validates the attributes: e.g. a publishTime in the input that is not a time.
    throw replayError.inputInvalid(`the message makes no valid CloudEvent: ${String(err)}`);
  }
}

/** POSTs the message as a CloudEvent; returns the function's HTTP status. */
export async function postCloudEvent(
  url: string,
  message: PubsubMessage,
  topic: string,
  options: { idToken?: string | undefined; timeoutMs?: number } = {},
): Promise<{ status: number; body: string }> {
  const { idToken } = options;
  const timeoutMs = options.timeoutMs ?? 60_000;
  let target: URL;
  try {
    target = new URL(url);
  } catch {
    throw replayError.urlInvalid(`"${url.slice(0, 200)}" is not a URL`);
  }
  if (target.protocol !== 'https:' && target.protocol !== 'http:') {
    throw replayError.urlInvalid(`${url} is not an http(s) URL`);
  }
  const req = replayEventRequest(message, topic);
  try {
    const res = await fetch(target, {
      method: 'POST',
      headers: { ...req.headers, ...(idToken ? { authorization: `Bearer ${idToken}` } : {}) },
      body: req.body,
      signal: AbortSignal.timeout(timeoutMs),
    });
    return { status: res.status, body: (await res.text()).slice(0, 2000) };
  } catch (err) {
    if ((err as Error).name === 'TimeoutError') {
      const hint = '; the function may still be deploying, check its logs';
      throw replayError.timeout(target.origin, timeoutMs, hint);
    }
    throw replayError.urlUnreachable(target.origin, err);
  }
}

/** Publishes to the real topic, with the attributes the original carried. */
export async function publishToTopic(message: PubsubMessage, topic: string): Promise<string> {
  const { PubSub } = await import('@google-cloud/pubsub');
  const project = /^projects\/([^/]+)\//.exec(topic)![1];
  const pubsub = new PubSub({ projectId: project });
  try {
    return await pubsub.topic(topic).publishMessage({
      data: Buffer.from(message.data, 'base64'),
      attributes: { ...message.attributes },
    });
  } catch (err) {
    throw replayError.publishFailed(topic, err);
  } finally {
    await pubsub.close();
  }
}
