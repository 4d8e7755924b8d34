import type { IgnoreReason } from './build-message';
import type { ImageRef } from './image-ref';
import { parseImageRef } from './image-ref';
import { sanitizeForLog } from './sanitize-for-log';

/** What one image named in a build message comes to: a reference, its digest, or why not. */
export interface Found {
  ref?: ImageRef;
  digest?: string;
  invalid?: string;
}

const DIGEST = /^sha256:[a-f0-9]{64}$/;

// What follows `@` in a reference that means to carry a digest (`@sha256:…`).
const DIGEST_SUFFIX = /@(sha256:.*)$/i;

/**
 * The first invalid digest a message carries, if any: a `digest` field that is
 * not `sha256:<64 hex>`, an `@sha256:` reference that does not parse, or a
 * digest field contradicting its name's. Such a message is broken as a whole:
 * deploying a tag from it instead would silently run something else.
 */
export function invalidDigest(name: unknown, digest?: unknown): string | undefined {
  if (digest !== undefined && digest !== null && digest !== '') {
    if (typeof digest !== 'string' || !DIGEST.test(digest)) return sanitizeForLog(digest);
  }
  if (typeof name !== 'string') return undefined;
  const m = DIGEST_SUFFIX.exec(name);
  if (m && !DIGEST.test(m[1])) return sanitizeForLog(name);
  if (m && typeof digest === 'string' && digest !== '' && m[1] !== digest) {
    return sanitizeForLog(`${name} vs ${digest}`);
  }
  return undefined;
}

export function parseNamed(name: unknown, digest?: unknown): Found {
  if (typeof name !== 'string') return { invalid: sanitizeForLog(name) };
  let ref: ImageRef;
  try {
    ref = parseImageRef(name);
  } catch {
    return { invalid: sanitizeForLog(name) };
  }
  if (typeof digest === 'string' && digest !== '') return { ref, digest };
  return ref.digest === undefined ? { ref } : { ref, digest: ref.digest };
}

/** Picks our repository's image out of what a message names, or says why none. */
export function pickImage(
  found: Found[],
  repository: string,
  preferredTags: string[],
): { digest?: string; tag?: string } | { reason: IgnoreReason; detail: string } {
  if (found.length === 0) return { reason: 'NO_IMAGE', detail: 'the message names no image' };
  const ours = found.filter((f) => f.ref?.repository === repository);
  if (ours.length === 0) {
    const invalid = found.filter((f) => f.invalid !== undefined);
    if (invalid.length > 0) {
      return {
        reason: 'INVALID_IMAGE_REF',
        detail: `unparseable image reference ${invalid[0].invalid!}`,
      };
    }
    const names = found.map((f) => sanitizeForLog(f.ref!.repository, 80)).slice(0, 5);
    return {
      reason: 'OTHER_REPOSITORY',
      detail: `images of other repositories: ${names.join(', ')}`,
    };
  }
  const digests = [...new Set(ours.map((f) => f.digest).filter((d): d is string => !!d))];
  if (digests.length > 1) {
    return {
      reason: 'AMBIGUOUS_IMAGE',
      detail: `${digests.length} different digests for ${repository}`,
    };
  }
  const tags = ours.map((f) => f.ref!.tag).filter((t): t is string => !!t);
  const tag =
    tags.find((t) => preferredTags.includes(t)) ?? tags.find((t) => t !== 'latest') ?? tags[0];
  return {
    ...(digests[0] === undefined ? {} : { digest: digests[0] }),
    ...(tag === undefined ? {} : { tag }),
  };
}
