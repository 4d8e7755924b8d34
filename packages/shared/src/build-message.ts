import { BuildStatus, isBuildStatus } from './build-status';
import { formatImageRef } from './image-ref';
import type { Obj } from './is-obj';
import { isObj } from './is-obj';
import type { PubsubMessage } from './pubsub-message';
import type { Found } from './message-images';
import { invalidDigest, parseNamed, pickImage } from './message-images';
import { sanitizeForLog } from './sanitize-for-log';
import { normalizeTimestamp } from './timestamp';

export { sanitizeForLog } from './sanitize-for-log';

/**
 * Decodes the `data` of a build notification into either a deploy candidate for
 * one configured repository, or a typed reason to ignore it. Every ignore reason
 * is permanent: redelivering the same bytes can never make them deployable.
 */
export const IgnoreReason = {
  /** Encoded payload above the size limit; refused before decoding. */
  TOO_LARGE: 'TOO_LARGE',
  BAD_BASE64: 'BAD_BASE64',
  NOT_JSON: 'NOT_JSON',
  /** JSON of a known kind with missing or mistyped fields. */
  MALFORMED: 'MALFORMED',
  /** Neither a Cloud Build nor an Artifact Registry notification. */
  UNKNOWN_FORMAT: 'UNKNOWN_FORMAT',
  /** A Cloud Build notification whose status is not SUCCESS. */
  NOT_SUCCESS: 'NOT_SUCCESS',
  /** An Artifact Registry notification other than INSERT (e.g. DELETE). */
  NOT_INSERT: 'NOT_INSERT',
  /** The message names no image at all. */
  NO_IMAGE: 'NO_IMAGE',
  /** Images were named, none of them the configured repository. */
  OTHER_REPOSITORY: 'OTHER_REPOSITORY',
  /** Image references that do not parse (hostile or broken), none matching. */
  INVALID_IMAGE_REF: 'INVALID_IMAGE_REF',
  /** The configured repository appears with two different digests. */
  AMBIGUOUS_IMAGE: 'AMBIGUOUS_IMAGE',
} as const;
export type IgnoreReason = (typeof IgnoreReason)[keyof typeof IgnoreReason];

export const MessageSource = {
  CLOUD_BUILD: 'cloud-build',
  ARTIFACT_REGISTRY: 'artifact-registry',
} as const;
export type MessageSource = (typeof MessageSource)[keyof typeof MessageSource];

export interface DeployCandidate {
  readonly source: MessageSource;
  /** Exactly the configured repository, `host/path`. */
  readonly repository: string;
  readonly digest?: string;
  readonly tag?: string;
  /** What to put in the container spec: `repo@sha256:…` when known, else `repo:tag`. */
  readonly image: string;
  /** Cloud Build id; for Artifact Registry `ar-<messageId>` (or the digest). */
  readonly buildId: string;
  /** Ordering key, normalised RFC 3339 (UTC, 9 fractional digits). */
  readonly finishTime: string;
  readonly status?: BuildStatus;
  readonly commitSha?: string;
  readonly shortSha?: string;
  readonly branch?: string;
  readonly repoName?: string;
}

export interface IgnoredMessage {
  readonly reason: IgnoreReason;
  readonly detail: string;
  readonly source?: MessageSource;
  readonly buildId?: string;
  readonly status?: string;
}

export type BuildMessageDecision =
  | { readonly kind: 'candidate'; readonly candidate: DeployCandidate }
  | { readonly kind: 'ignore'; readonly ignored: IgnoredMessage };

export interface DecodeOptions {
  /** The configured `IMAGE` repository (already validated with parseRepository). */
  readonly repository: string;
  /** Largest decoded payload accepted; default 1 MiB. */
  readonly maxBytes?: number;
}

export const MAX_MESSAGE_BYTES = 1024 * 1024;
const BASE64 =
  /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=|[A-Za-z0-9+/]{2,3})?$/;
const BUILD_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/;
const SHA = /^[a-f0-9]{7,64}$/i;

function ignore(
  reason: IgnoreReason,
  detail: string,
  extra: Omit<IgnoredMessage, 'reason' | 'detail'> = {},
): BuildMessageDecision {
  return { kind: 'ignore', ignored: { reason, detail, ...extra } };
}

/** Decodes base64 JSON with the size and format checks, or says why not. */
export function decodeMessageJson(
  data: string,
  maxBytes = MAX_MESSAGE_BYTES,
): { ok: true; value: unknown } | { ok: false; reason: IgnoreReason; detail: string } {
  if (typeof data !== 'string') return { ok: false, reason: 'BAD_BASE64', detail: 'not a string' };
  // Every 4 base64 characters carry 3 bytes; refuse by length before allocating.
  if (Math.floor((data.length * 3) / 4) - 2 > maxBytes) {
    return { ok: false, reason: 'TOO_LARGE', detail: `payload larger than ${maxBytes} bytes` };
  }
  if (data.length === 0) return { ok: false, reason: 'MALFORMED', detail: 'empty message data' };
  if (!BASE64.test(data)) return { ok: false, reason: 'BAD_BASE64', detail: 'data is not base64' };
  const bytes = Buffer.from(data, 'base64');
  if (bytes.length > maxBytes) {
    return { ok: false, reason: 'TOO_LARGE', detail: `payload larger than ${maxBytes} bytes` };
  }
  const text = new TextDecoder('utf-8', { fatal: false }).decode(bytes);
  try {
    return { ok: true, value: JSON.parse(text) as unknown };
  } catch {
    return { ok: false, reason: 'NOT_JSON', detail: 'data is not JSON' };
  }
}

function optionalString(v: unknown, pattern: RegExp): string | undefined {
  return typeof v === 'string' && pattern.test(v) ? v : undefined;
}

function decodeCloudBuild(build: Obj, repository: string): BuildMessageDecision {
  const source = MessageSource.CLOUD_BUILD;
  if (typeof build.id !== 'string' || !BUILD_ID.test(build.id)) {
    return ignore('MALFORMED', `invalid build id ${sanitizeForLog(build.id)}`, { source });
  }
  const buildId = build.id;
  if (build.status !== BuildStatus.SUCCESS) {
    const status = sanitizeForLog(build.status, 40);
    const known = isBuildStatus(build.status) ? '' : ' (unknown status)';
    return ignore('NOT_SUCCESS', `build status ${status}${known}`, { source, buildId, status });
  }
  const finishTime = normalizeTimestamp(build.finishTime);
  if (finishTime === undefined) {
    return ignore('MALFORMED', `invalid finishTime ${sanitizeForLog(build.finishTime)}`, {
      source,
      buildId,
    });
  }
  const subs = isObj(build.substitutions) ? build.substitutions : {};
  const commitSha = optionalString(subs.COMMIT_SHA, SHA);
  const shortSha = optionalString(subs.SHORT_SHA, SHA);
  const branch = optionalString(subs.BRANCH_NAME, /^[\w./-]{1,200}$/);
  const repoName = optionalString(subs.REPO_NAME, /^[\w.-]{1,200}$/);

  // results.images carries digests; `images` (the requested tags) is the fallback.
  const results =
    isObj(build.results) && Array.isArray(build.results.images) ? build.results.images : [];
  const images = Array.isArray(build.images) ? build.images : [];
  const badDigest = [
    ...results.map((r) => (isObj(r) ? invalidDigest(r.name, r.digest) : undefined)),
    ...images.map((n) => invalidDigest(n)),
  ].find((d) => d !== undefined);
  if (badDigest !== undefined) {
    return ignore('MALFORMED', `invalid digest ${badDigest}`, { source, buildId });
  }
  let found: Found[] = results.map((r) =>
    isObj(r) ? parseNamed(r.name, r.digest) : { invalid: sanitizeForLog(r) },
  );
  if (!found.some((f) => f.ref?.repository === repository)) {
    found = found.concat(images.map((n) => parseNamed(n)));
  }
  const picked = pickImage(
    found,
    repository,
    [commitSha, shortSha].filter((s): s is string => !!s),
  );
  if ('reason' in picked) return ignore(picked.reason, picked.detail, { source, buildId });
  return candidateOf({ source, repository, buildId, finishTime }, picked, {
    status: BuildStatus.SUCCESS,
    commitSha,
    shortSha,
    branch,
    repoName,
  });
}

/** The deploy candidate for the picked image; optional fields only when the message had them. */
function candidateOf(
  base: Pick<DeployCandidate, 'source' | 'repository' | 'buildId' | 'finishTime'>,
  picked: { digest?: string; tag?: string },
  optional: Partial<
    Pick<DeployCandidate, 'status' | 'commitSha' | 'shortSha' | 'branch' | 'repoName'>
  > = {},
): BuildMessageDecision {
  const present = Object.fromEntries(Object.entries(optional).filter(([, v]) => v !== undefined));
  return {
    kind: 'candidate',
    candidate: Object.freeze({
      ...base,
      ...picked,
      image: formatImageRef({ repository: base.repository, ...picked }),
      ...present,
    }),
  };
}

function decodeArtifactRegistry(
  msg: Obj,
  repository: string,
  message: PubsubMessage,
): BuildMessageDecision {
  const source = MessageSource.ARTIFACT_REGISTRY;
  if (msg.action !== 'INSERT') {
    return ignore('NOT_INSERT', `action ${sanitizeForLog(msg.action, 40)}`, { source });
  }
  const badDigest = invalidDigest(msg.digest) ?? invalidDigest(msg.tag);
  if (badDigest !== undefined) {
    return ignore('MALFORMED', `invalid digest ${badDigest}`, { source });
  }
  const found: Found[] = [];
  if (msg.digest !== undefined) found.push(parseNamed(msg.digest));
  if (msg.tag !== undefined) found.push(parseNamed(msg.tag));
  if (found.some((f) => f.ref && f.ref.repository !== found[0].ref?.repository)) {
    return ignore('MALFORMED', 'digest and tag name different repositories', { source });
  }
  const picked = pickImage(found, repository, []);
  if ('reason' in picked) return ignore(picked.reason, picked.detail, { source });
  const finishTime = normalizeTimestamp(message.publishTime);
  if (finishTime === undefined) {
    return ignore('MALFORMED', 'no publishTime to order an Artifact Registry message by', {
      source,
    });
  }
  const buildId =
    message.messageId !== undefined && BUILD_ID.test(message.messageId)
      ? `ar-${message.messageId}`
      : `ar-${(picked.digest ?? picked.tag ?? 'unknown').replace(/^sha256:/, '')}`;
  return candidateOf({ source, repository, buildId, finishTime }, picked);
}

/** Decodes one Pub/Sub message into a candidate or an ignore reason; never throws. */
export function decodeBuildMessage(
  message: PubsubMessage,
  options: DecodeOptions,
): BuildMessageDecision {
  const json = decodeMessageJson(message.data, options.maxBytes);
  if (!json.ok) return ignore(json.reason, json.detail);
  const value = json.value;
  if (!isObj(value)) return ignore('UNKNOWN_FORMAT', 'payload is not a JSON object');
  if ('action' in value) return decodeArtifactRegistry(value, options.repository, message);
  if ('id' in value && 'status' in value) return decodeCloudBuild(value, options.repository);
  return ignore('UNKNOWN_FORMAT', 'neither a Cloud Build nor an Artifact Registry notification');
}
