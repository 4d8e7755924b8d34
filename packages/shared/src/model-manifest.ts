import { MaskopsError } from './errors';
import { isObj } from './is-obj';

/**
 * What `maskops-model push`, the deployer's model rollouts and inference-api's
 * `gs://…/maskops-model.json#GENERATION` loading must agree on (docs/architecture.md,
 * "Model rollouts"). Pure: no I/O.
 */

/** The object written last by a push; its OBJECT_FINALIZE is what starts a model rollout. */
export const MODEL_MANIFEST_NAME = 'maskops-model.json';

/** Bumped only with a change old readers cannot follow. */
export const MODEL_MANIFEST_VERSION = 1;

/** Adapters a manifest may name (inference-api's MODEL_ADAPTER values). */
export const ManifestAdapter = {
  TF_OD_API: 'tf-od-api',
  MATTERPORT: 'matterport',
  TORCHVISION: 'torchvision',
} as const;
export type ManifestAdapter = (typeof ManifestAdapter)[keyof typeof ManifestAdapter];

/** One object of a published model, pinned to the generation the push wrote. */
export interface ManifestObject {
  /** Path relative to the manifest's folder (`model.json`, `group1-shard1of1.bin`, `model.onnx`). */
  name: string;
  /** Cloud Storage generation, a decimal string (int64 does not fit a JS number). */
  generation: string;
  /** CRC32C as Cloud Storage reports it: base64 of the big-endian 4 bytes. */
  crc32c: string;
  size: number;
}

export interface PublishedModelManifest {
  version: typeof MODEL_MANIFEST_VERSION;
  /** The model's name: the last path segment of the push target. */
  name: string;
  /** The adapter the model was opened with before it was published. */
  adapter: ManifestAdapter;
  objects: ManifestObject[];
  /** RFC 3339 time of the push. */
  pushedAt: string;
}

/** A manifest that cannot be used; permanent (redelivery cannot fix it). */
export function invalidModelManifest(reason: string, cause?: unknown): MaskopsError {
  return new MaskopsError('MODEL_MANIFEST_INVALID', `${MODEL_MANIFEST_NAME}: ${reason}`, {
    cause,
  });
}

const GENERATION = /^[1-9][0-9]{0,18}$/;
const CRC32C = /^[A-Za-z0-9+/]{6}==$/;
const adapters = new Set<string>(Object.values(ManifestAdapter));

function objectName(value: unknown, at: string): string {
  if (
    typeof value !== 'string' ||
    value === '' ||
    value.startsWith('/') ||
    value.split('/').some((s) => s === '' || s === '.' || s === '..') ||
    value === MODEL_MANIFEST_NAME
  ) {
    throw invalidModelManifest(`${at}.name must be a relative object path inside the model`);
  }
  return value;
}

function manifestObject(value: unknown, at: string): ManifestObject {
  if (!isObj(value)) throw invalidModelManifest(`${at} must be an object`);
  const name = objectName(value.name, at);
  const { generation, crc32c, size } = value;
  if (typeof generation !== 'string' || !GENERATION.test(generation))
    throw invalidModelManifest(`${at}.generation must be a decimal generation string`);
  if (typeof crc32c !== 'string' || !CRC32C.test(crc32c))
    throw invalidModelManifest(`${at}.crc32c must be a base64 CRC32C`);
  if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0)
    throw invalidModelManifest(`${at}.size must be a non-negative integer`);
  return { name, generation, crc32c, size };
}

/** Checks a parsed `maskops-model.json`; throws MODEL_MANIFEST_INVALID naming the first bad field. */
export function parseModelManifest(value: unknown): PublishedModelManifest {
  if (!isObj(value)) throw invalidModelManifest('must be a JSON object');
  if (value.version !== MODEL_MANIFEST_VERSION)
    throw invalidModelManifest(`version must be ${MODEL_MANIFEST_VERSION}`);
  const { name, adapter, objects, pushedAt } = value;
  if (typeof name !== 'string' || name === '') throw invalidModelManifest('name must be set');
  if (typeof adapter !== 'string' || !adapters.has(adapter))
    throw invalidModelManifest(`adapter must be one of ${[...adapters].join(', ')}`);
  if (typeof pushedAt !== 'string' || Number.isNaN(Date.parse(pushedAt)))
    throw invalidModelManifest('pushedAt must be an RFC 3339 time');
  if (!Array.isArray(objects) || objects.length === 0)
    throw invalidModelManifest('objects must list at least one object');
  const parsed = objects.map((o, i) => manifestObject(o, `objects[${i}]`));
  const names = new Set(parsed.map((o) => o.name));
  if (names.size !== parsed.length) throw invalidModelManifest('objects lists a name twice');
  return {
    version: MODEL_MANIFEST_VERSION,
    name,
    adapter: adapter as ManifestAdapter,
    objects: parsed,
    pushedAt,
  };
}

/** `gs://BUCKET/PREFIX/NAME/maskops-model.json#GENERATION`, split. */
export interface ModelUri {
  bucket: string;
  /** Object name of the manifest (`PREFIX/NAME/maskops-model.json`). */
  object: string;
  generation: string;
}

const MODEL_URI = /^gs:\/\/([a-z0-9][a-z0-9._-]{1,220}[a-z0-9])\/(.+)#([1-9][0-9]{0,18})$/;

/** The pinned manifest a MODEL_PATH names, or undefined for any other MODEL_PATH. */
export function parseModelUri(modelPath: string): ModelUri | undefined {
  const m = MODEL_URI.exec(modelPath);
  if (!m) return undefined;
  const [, bucket, object, generation] = m;
  if (object !== MODEL_MANIFEST_NAME && !object.endsWith(`/${MODEL_MANIFEST_NAME}`))
    return undefined;
  return { bucket, object, generation };
}

export function formatModelUri(uri: ModelUri): string {
  return `gs://${uri.bucket}/${uri.object}#${uri.generation}`;
}

/**
 * The `model` metric label's value for a MODEL_PATH: the manifest generation when
 * the path pins one, '' otherwise (PromQL treats '' as an absent label), so the
 * deployer can derive it from a Deployment's env as the service does from its own.
 */
export function modelGenerationLabel(modelPath: string): string {
  return parseModelUri(modelPath)?.generation ?? '';
}
