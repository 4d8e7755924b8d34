import type { Env } from '@maskops/shared';
import { ConfigError, optionalString } from '@maskops/shared';

/** MODEL_BUCKET: the bucket and the prefix under which published models start rollouts. */
export interface ModelBucket {
  readonly bucket: string;
  /** '' (the whole bucket) or a folder ending in '/'. */
  readonly prefix: string;
}

// Cloud Storage bucket names: lowercase, digits, dots, dashes and underscores, 3–222.
const GS_URL = /^gs:\/\/([a-z0-9][a-z0-9._-]{1,220}[a-z0-9])(?:\/(.*))?$/;

/** `gs://B` or `gs://B/PREFIX` (a trailing slash is optional); unset → model rollouts off. */
export function readModelBucket(env: Env): ModelBucket | undefined {
  const raw = optionalString(env, 'MODEL_BUCKET');
  if (raw === undefined) return undefined;
  const m = GS_URL.exec(raw);
  const prefix = (m?.[2] ?? '').replace(/\/+$/, '');
  if (!m || prefix.split('/').some((s) => s === '.' || s === '..') || /\/\/|#|\s/.test(prefix)) {
    throw new ConfigError(
      'MODEL_BUCKET',
      `must be gs://BUCKET or gs://BUCKET/PREFIX, got "${raw.slice(0, 100)}"`,
    );
  }
  return { bucket: m[1], prefix: prefix === '' ? '' : `${prefix}/` };
}

export const formatModelBucket = (b: ModelBucket): string =>
  `gs://${b.bucket}/${b.prefix}`.replace(/\/$/, '');
