/**
 * What Cloud Build does when a build changes status: publish the Build resource on the
 * project's `cloud-builds` topic, the data the resource as JSON and the attributes
 * `buildId` and `status`
 * (https://cloud.google.com/build/docs/subscribe-build-notifications). Locally the topic
 * is localcloud's Pub/Sub stand-in, reached through the Pub/Sub REST API
 * (`topics.publish`), as anything else that publishes there.
 */
export interface BuildTopic {
  /** The Pub/Sub API's root, e.g. localcloud's `http://127.0.0.1:PORT/pubsub/`. */
  readonly pubsubUrl: string;
  readonly projectId: string;
  /** The access token the stand-in expects. */
  readonly token: string;
}

/** Cloud Build's topic: it publishes there whenever the topic exists. */
const TOPIC = 'cloud-builds';
const PUBLISH_TIMEOUT_MS = 30_000;

/** Publishes BUILD; resolves to the message id, rejects naming the topic and the answer. */
export async function publishBuild(
  build: Readonly<Record<string, unknown>>,
  topic: BuildTopic,
): Promise<string> {
  const name = `projects/${topic.projectId}/topics/${TOPIC}`;
  const message = {
    data: Buffer.from(JSON.stringify(build), 'utf8').toString('base64'),
    attributes: { buildId: String(build.id), status: String(build.status) },
  };
  const url = new URL(`v1/${name}:publish`, topic.pubsubUrl.replace(/\/?$/, '/'));
  const res = await fetch(url, {
    method: 'POST',
    headers: { authorization: `Bearer ${topic.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ messages: [message] }),
    signal: AbortSignal.timeout(PUBLISH_TIMEOUT_MS),
  });
  const text = await res.text();
  const id = res.ok ? messageId(text) : undefined;
  if (id === undefined) {
    throw new Error(
      `publishing build ${String(build.id)} to ${name} failed: HTTP ${res.status} ${text.slice(0, 200)}`,
    );
  }
  return id;
}

function messageId(text: string): string | undefined {
  try {
    const body = JSON.parse(text) as { messageIds?: unknown };
    const ids: unknown[] = Array.isArray(body.messageIds) ? body.messageIds : [];
    return typeof ids[0] === 'string' ? ids[0] : undefined;
  } catch {
    return undefined;
  }
}
