import { readFile } from 'node:fs/promises';
import type { PubsubMessage } from '@maskops/shared';
import { extractPubsubMessage, isObj, pubsubMessage } from '@maskops/shared';
import type { TokenSource } from '../cluster/token-source';
import { replayError } from './replay-error';

/** Where a replayed message comes from. */
export type ReplaySource =
  | { kind: 'build-id'; buildId: string; project: string; region?: string; endpoint: string }
  | { kind: 'file'; path: string }
  | { kind: 'stdin' };

const MAX_INPUT_BYTES = 1024 * 1024;
const BUILD_ID = /^[A-Za-z0-9-]{1,128}$/;

/**
 * Turns what the user handed us into the Pub/Sub message Cloud Build (or
 * Artifact Registry) would have published. Accepted: a Build resource, an
 * Artifact Registry notification, a Pub/Sub message `{data, attributes}`, a push
 * body `{message}`, or a CloudEvent — each is replayed exactly as delivered.
 */
function toPubsubMessage(value: unknown, now = new Date()): PubsubMessage {
  const found = extractPubsubMessage(value);
  if (found.ok) return found.message;
  if (!isObj(value)) {
    throw replayError.inputInvalid(
      'input must be a JSON object (a Build resource, an Artifact Registry notification or a Pub/Sub message)',
    );
  }
  const attributes: Record<string, string> = {};
  // Cloud Build puts these in the attributes of its notifications.
  if (typeof value.id === 'string') attributes.buildId = value.id;
  if (typeof value.status === 'string') attributes.status = value.status;
  return pubsubMessage(value, {
    attributes,
    messageId: `replay-${now.getTime()}`,
    publishTime: now.toISOString(),
  });
}

function parseJson(text: string, where: string): unknown {
  if (Buffer.byteLength(text) > MAX_INPUT_BYTES) {
    throw replayError.inputTooLarge(where, MAX_INPUT_BYTES);
  }
  if (text.trim() === '') throw replayError.inputEmpty(where);
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw replayError.inputNotJson(where, err);
  }
}

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    const b = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
    size += b.length;
    if (size > MAX_INPUT_BYTES) throw replayError.inputTooLarge('stdin', MAX_INPUT_BYTES);
    chunks.push(b);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/**
 * All of stdin, or a REPLAY_STDIN_TIMEOUT when it is still open after
 * `timeoutMs` (a forgotten pipe, or a script that never closes it).
 */
async function readStdin(stream: NodeJS.ReadableStream, timeoutMs: number): Promise<string> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      reject(replayError.stdinTimeout(timeoutMs));
    }, timeoutMs);
  });
  try {
    return await Promise.race([readAll(stream), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** GET the Build resource from the Cloud Build API with the caller's credentials. */
async function fetchBuild(
  source: Extract<ReplaySource, { kind: 'build-id' }>,
  tokens: TokenSource,
  timeoutMs: number,
): Promise<unknown> {
  if (!BUILD_ID.test(source.buildId)) {
    throw replayError.buildIdInvalid(source.buildId);
  }
  const path = source.region
    ? `/v1/projects/${encodeURIComponent(source.project)}/locations/${encodeURIComponent(source.region)}/builds/${source.buildId}`
    : `/v1/projects/${encodeURIComponent(source.project)}/builds/${source.buildId}`;
  const token = await tokens.getToken();
  let res: Response;
  try {
    res = await fetch(source.endpoint + path, {
      headers: { authorization: `Bearer ${token}`, accept: 'application/json' },
      signal: AbortSignal.timeout(timeoutMs),
    });
  } catch (err) {
    if ((err as Error).name === 'TimeoutError')
      throw replayError.timeout(source.endpoint, timeoutMs);
    throw replayError.cloudBuildUnreachable(source.endpoint, err);
  }
  const text = await res.text();
  if (!res.ok) {
    // projects.builds.get without a location only finds global builds.
    const hint =
      res.status === 404
        ? source.region
          ? ` (not in region ${source.region}; check --region)`
          : ' (a regional build needs --region REGION)'
        : '';
    throw replayError.cloudBuildError(res.status, source.buildId, hint, text);
  }
  return parseJson(text, `build ${source.buildId}`);
}

export interface ReadReplayDeps {
  tokens: TokenSource;
  stdin?: NodeJS.ReadableStream;
  /** Default 10 s. */
  stdinTimeoutMs?: number;
  /** For the Cloud Build API; default 60 s. */
  requestTimeoutMs?: number;
}

export async function readReplayMessage(
  source: ReplaySource,
  deps: ReadReplayDeps,
): Promise<PubsubMessage> {
  switch (source.kind) {
    case 'build-id':
      return toPubsubMessage(
        await fetchBuild(source, deps.tokens, deps.requestTimeoutMs ?? 60_000),
      );
    case 'file': {
      let text: string;
      try {
        text = await readFile(source.path, 'utf8');
      } catch (err) {
        throw replayError.inputUnreadable(source.path, err);
      }
      return toPubsubMessage(parseJson(text, source.path));
    }
    case 'stdin':
      return toPubsubMessage(
        parseJson(
          await readStdin(deps.stdin ?? process.stdin, deps.stdinTimeoutMs ?? 10_000),
          'stdin',
        ),
      );
  }
}
