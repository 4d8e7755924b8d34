import { readFile } from 'node:fs/promises';
import type { PubsubMessage } from '@maskops/shared';
import { extractPubsubMessage, MaskopsError } from '@maskops/shared';
import type { TokenSource } from '../cluster/token-source';

/** Where a replayed message comes from. */
export type ReplaySource =
  | { kind: 'build-id'; buildId: string; project: string; region?: string; endpoint: string }
  | { kind: 'file'; path: string }
  | { kind: 'stdin' };

export class ReplayError extends MaskopsError {}

const MAX_INPUT_BYTES = 1024 * 1024;
const BUILD_ID = /^[A-Za-z0-9-]{1,128}$/;

/**
 * Turns what the user handed us into the Pub/Sub message Cloud Build (or
 * Artifact Registry) would have published. Accepted: a Build resource, an
 * Artifact Registry notification, a Pub/Sub message `{data, attributes}`, a push
 * body `{message}`, or a CloudEvent — each is replayed exactly as delivered.
 */
export function toPubsubMessage(value: unknown, now = new Date()): PubsubMessage {
  const found = extractPubsubMessage(value);
  if (found.ok) return found.message;
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ReplayError(
      'REPLAY_INPUT_INVALID',
      'input must be a JSON object (a Build resource, an Artifact Registry notification or a Pub/Sub message)',
    );
  }
  const obj = value as Record<string, unknown>;
  const attributes: Record<string, string> = {};
  // Cloud Build puts these in the attributes of its notifications.
  if (typeof obj.id === 'string') attributes.buildId = obj.id;
  if (typeof obj.status === 'string') attributes.status = obj.status;
  return {
    data: Buffer.from(JSON.stringify(obj)).toString('base64'),
    attributes,
    messageId: `replay-${now.getTime()}`,
    publishTime: now.toISOString(),
  };
}

function parseJson(text: string, where: string): unknown {
  if (Buffer.byteLength(text) > MAX_INPUT_BYTES) {
    throw new ReplayError(
      'REPLAY_INPUT_TOO_LARGE',
      `${where} is larger than ${MAX_INPUT_BYTES} bytes`,
    );
  }
  if (text.trim() === '') throw new ReplayError('REPLAY_INPUT_EMPTY', `${where} is empty`);
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw new ReplayError(
      'REPLAY_INPUT_NOT_JSON',
      `${where} is not JSON: ${(err as Error).message}`,
      { cause: err },
    );
  }
}

async function readAll(stream: NodeJS.ReadableStream): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of stream) {
    const b = Buffer.isBuffer(chunk) ? chunk : Buffer.from(String(chunk));
    size += b.length;
    if (size > MAX_INPUT_BYTES)
      throw new ReplayError(
        'REPLAY_INPUT_TOO_LARGE',
        `stdin is larger than ${MAX_INPUT_BYTES} bytes`,
      );
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
      reject(
        new ReplayError(
          'REPLAY_STDIN_TIMEOUT',
          `no complete message on stdin after ${timeoutMs / 1000} s: pipe the JSON and close stdin, ` +
            'or give --file or --build-id (--stdin-timeout changes the wait)',
        ),
      );
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
    throw new ReplayError(
      'REPLAY_BUILD_ID_INVALID',
      `"${source.buildId.slice(0, 80)}" is not a Cloud Build id`,
    );
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
    if ((err as Error).name === 'TimeoutError') {
      throw new ReplayError(
        'REPLAY_TIMEOUT',
        `no answer from ${source.endpoint} within ${timeoutMs / 1000} s (--timeout)`,
      );
    }
    throw new ReplayError(
      'CLOUD_BUILD_UNREACHABLE',
      `cannot reach ${source.endpoint}: ${(err as Error).message}`,
      { cause: err },
    );
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
    throw new ReplayError(
      'CLOUD_BUILD_ERROR',
      `Cloud Build API answered ${res.status} for build ${source.buildId}${hint}: ${text.slice(0, 200)}`,
    );
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
        throw new ReplayError(
          'REPLAY_INPUT_UNREADABLE',
          `cannot read ${source.path}: ${(err as Error).message}`,
          { cause: err },
        );
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
