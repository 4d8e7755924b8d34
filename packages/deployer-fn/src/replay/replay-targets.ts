import { randomUUID } from 'node:crypto';
import type { PubsubMessage } from '@maskops/shared';
import { ReplayError } from './replay-input';

export const MESSAGE_PUBLISHED = 'google.cloud.pubsub.topic.v1.messagePublished';

/** `projects/P/topics/T`, or a bare topic name with the project given separately. */
export function topicPath(topic: string, project: string | undefined): string {
  const full = /^projects\/([a-z][a-z0-9-]{4,28}[a-z0-9])\/topics\/([A-Za-z][\w.~+%-]{2,254})$/;
  if (full.test(topic)) return topic;
  if (!/^[A-Za-z][\w.~+%-]{2,254}$/.test(topic)) {
    throw new ReplayError(
      'REPLAY_TOPIC_INVALID',
      `"${topic.slice(0, 80)}" is not a Pub/Sub topic name`,
    );
  }
  if (!project)
    throw new ReplayError(
      'REPLAY_PROJECT_MISSING',
      `topic "${topic}" needs --project (or PROJECT)`,
    );
  return `projects/${project}/topics/${topic}`;
}

/**
 * The HTTP request Eventarc sends a function for a Pub/Sub message (binary
 * content mode): ce-* headers, the `{message, subscription}` body.
 */
export function cloudEventRequest(
  message: PubsubMessage,
  topic: string,
): { headers: Record<string, string>; body: string } {
  const id = message.messageId ?? randomUUID();
  return {
    headers: {
      'content-type': 'application/json',
      'ce-specversion': '1.0',
      'ce-type': MESSAGE_PUBLISHED,
      'ce-source': `//pubsub.googleapis.com/${topic}`,
      'ce-id': id,
      'ce-time': message.publishTime ?? new Date().toISOString(),
    },
    body: JSON.stringify({
      message: { ...message, messageId: id, message_id: id, publish_time: message.publishTime },
      subscription: `${topic.replace('/topics/', '/subscriptions/')}-replay`,
    }),
  };
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
    throw new ReplayError('REPLAY_URL_INVALID', `"${url.slice(0, 200)}" is not a URL`);
  }
  if (target.protocol !== 'https:' && target.protocol !== 'http:') {
    throw new ReplayError('REPLAY_URL_INVALID', `${url} is not an http(s) URL`);
  }
  const req = cloudEventRequest(message, topic);
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
      throw new ReplayError(
        'REPLAY_TIMEOUT',
        `no answer from ${target.origin} within ${timeoutMs / 1000} s (--timeout); ` +
          'the function may still be deploying, check its logs',
      );
    }
    throw new ReplayError(
      'REPLAY_URL_UNREACHABLE',
      `cannot reach ${target.origin}: ${(err as Error).message}`,
      { cause: err },
    );
  }
}

/** Publishes to the real topic, with the attributes the original carried. */
export async function publishToTopic(message: PubsubMessage, topic: string): Promise<string> {
  const { PubSub } = await import('@google-cloud/pubsub');
  const project = /^projects\/([^/]+)\//.exec(topic)![1]!;
  const pubsub = new PubSub({ projectId: project });
  try {
    return await pubsub.topic(topic).publishMessage({
      data: Buffer.from(message.data, 'base64'),
      attributes: { ...message.attributes },
    });
  } catch (err) {
    throw new ReplayError(
      'REPLAY_PUBLISH_FAILED',
      `publishing to ${topic} failed: ${(err as Error).message}`,
      { cause: err },
    );
  } finally {
    await pubsub.close();
  }
}
