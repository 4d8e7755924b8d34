import type { PubsubMessage } from '@maskops/shared';
import {
  decodeMessageJson,
  formatModelUri,
  isObj,
  MODEL_MANIFEST_NAME,
  normalizeTimestamp,
  parseModelUri,
  sanitizeForLog,
} from '@maskops/shared';
import type { ModelBucket } from './model-bucket';
import { formatModelBucket } from './model-bucket';

/**
 * Cloud Storage events, in the two forms a bucket sends them: a Pub/Sub
 * notification (attributes `eventType`, `bucketId`, `objectId`,
 * `objectGeneration`, `payloadFormat`; data the object resource when
 * JSON_API_V1) and an Eventarc CloudEvent `google.cloud.storage.object.v1.*`
 * (data StorageObjectData: `bucket`, `name`, `generation`, …). Only the
 * finalize of a `maskops-model.json` under MODEL_BUCKET is a model to roll out.
 */

/** The Eventarc type of a finalized object; its siblings (deleted, archived, metadataUpdated) are ignored. */
export const OBJECT_FINALIZED = 'google.cloud.storage.object.v1.finalized';
const STORAGE_EVENT_PREFIX = 'google.cloud.storage.object.v1.';
/** The Pub/Sub notification's eventType for the same event. */
const OBJECT_FINALIZE = 'OBJECT_FINALIZE';

/** Why a storage event starts no rollout; all permanent, so all acknowledged. */
const StorageIgnore = {
  /** MODEL_BUCKET is not set: model rollouts are off. */
  MODEL_BUCKET_UNSET: 'MODEL_BUCKET_UNSET',
  /** Not a finalize (a delete, an archive, a metadata update). */
  NOT_FINALIZE: 'NOT_FINALIZE',
  OTHER_BUCKET: 'OTHER_BUCKET',
  OUTSIDE_PREFIX: 'OUTSIDE_PREFIX',
  /** An object under the prefix that is not a `maskops-model.json` (the model's own files). */
  NOT_A_MANIFEST: 'NOT_A_MANIFEST',
  MALFORMED: 'MALFORMED',
} as const;
type StorageIgnore = (typeof StorageIgnore)[keyof typeof StorageIgnore];

/** A finalized manifest under the prefix: the model to roll out, pinned to its generation. */
export interface ModelEvent {
  readonly bucket: string;
  /** `PREFIX/NAME/maskops-model.json`. */
  readonly object: string;
  /** Decimal string: int64 does not fit a JS number. */
  readonly generation: string;
  /** formatModelUri: what MODEL_PATH becomes. */
  readonly uri: string;
  /** When the object was written (normalised RFC 3339), for ordering against a running canary. */
  readonly createdAt?: string;
  /** `pubsub-notification` or `eventarc`. */
  readonly form: string;
}

export type StorageDecode =
  | { readonly kind: 'not-storage' }
  | { readonly kind: 'ignore'; readonly reason: StorageIgnore; readonly detail: string }
  | { readonly kind: 'model'; readonly model: ModelEvent };

const GENERATION = /^[1-9][0-9]{0,18}$/;

const ignore = (reason: StorageIgnore, detail: string): StorageDecode => ({
  kind: 'ignore',
  reason,
  detail,
});

interface StorageFacts {
  readonly form: string;
  readonly finalize: boolean;
  readonly eventType: unknown;
  readonly bucket: unknown;
  readonly object: unknown;
  readonly generation: unknown;
  readonly createdAt: unknown;
}

/** The facts of either form against MODEL_BUCKET. */
function judge(facts: StorageFacts, models: ModelBucket | undefined): StorageDecode {
  const where = `gs://${sanitizeForLog(facts.bucket, 80)}/${sanitizeForLog(facts.object, 300)}`;
  if (!facts.finalize) {
    return ignore(
      'NOT_FINALIZE',
      `storage event ${sanitizeForLog(facts.eventType, 80)} on ${where}`,
    );
  }
  if (models === undefined) {
    return ignore(
      StorageIgnore.MODEL_BUCKET_UNSET,
      `finalize of ${where}: MODEL_BUCKET is not set`,
    );
  }
  const { bucket, object } = facts;
  const generation =
    typeof facts.generation === 'number' ? String(facts.generation) : facts.generation;
  if (typeof bucket !== 'string' || typeof object !== 'string' || object === '') {
    return ignore(StorageIgnore.MALFORMED, 'storage event without bucket and object name');
  }
  if (typeof generation !== 'string' || !GENERATION.test(generation)) {
    return ignore(StorageIgnore.MALFORMED, `finalize of ${where} without a valid generation`);
  }
  if (bucket !== models.bucket) {
    return ignore(
      StorageIgnore.OTHER_BUCKET,
      `${where} is not in MODEL_BUCKET ${formatModelBucket(models)}`,
    );
  }
  if (!object.startsWith(models.prefix)) {
    return ignore(
      'OUTSIDE_PREFIX',
      `${where} is outside MODEL_BUCKET ${formatModelBucket(models)}`,
    );
  }
  if (object !== MODEL_MANIFEST_NAME && !object.endsWith(`/${MODEL_MANIFEST_NAME}`)) {
    return ignore(StorageIgnore.NOT_A_MANIFEST, `${where} is not a ${MODEL_MANIFEST_NAME}`);
  }
  const uri = formatModelUri({ bucket, object, generation });
  // The shared parser is what inference-api reads MODEL_PATH with: never patch one it refuses.
  if (parseModelUri(uri) === undefined || /[\s#]/.test(object)) {
    return ignore(StorageIgnore.MALFORMED, `${where} makes no valid pinned model URI`);
  }
  const createdAt = normalizeTimestamp(facts.createdAt);
  return {
    kind: 'model',
    model: {
      bucket,
      object,
      generation,
      uri,
      form: facts.form,
      ...(createdAt === undefined ? {} : { createdAt }),
    },
  };
}

/** A Pub/Sub message from a bucket notification (recognised by its attributes), or not-storage. */
export function decodeStorageNotification(
  message: PubsubMessage,
  models: ModelBucket | undefined,
): StorageDecode {
  const a = message.attributes ?? {};
  if (a.eventType === undefined || a.bucketId === undefined) return { kind: 'not-storage' };
  // JSON_API_V1 data is the object resource; its timeCreated is the write time. NONE has no data.
  let created: unknown = a.eventTime ?? message.publishTime;
  if (a.payloadFormat === 'JSON_API_V1' && a.eventType === OBJECT_FINALIZE) {
    const json = decodeMessageJson(message.data);
    if (json.ok && isObj(json.value) && json.value.timeCreated !== undefined) {
      created = json.value.timeCreated;
    }
  }
  return judge(
    {
      form: 'pubsub-notification',
      finalize: a.eventType === OBJECT_FINALIZE,
      eventType: a.eventType,
      bucket: a.bucketId,
      object: a.objectId,
      generation: a.objectGeneration,
      createdAt: created,
    },
    models,
  );
}

/** An Eventarc Cloud Storage CloudEvent (as the SDK or a plain JSON body gives it), or not-storage. */
export function decodeStorageCloudEvent(
  event: unknown,
  models: ModelBucket | undefined,
): StorageDecode {
  if (!isObj(event) || typeof event.type !== 'string') return { kind: 'not-storage' };
  if (!event.type.startsWith(STORAGE_EVENT_PREFIX)) return { kind: 'not-storage' };
  let data: unknown = event.data;
  if (typeof data === 'string') {
    try {
      data = JSON.parse(data);
    } catch {
      return ignore(
        StorageIgnore.MALFORMED,
        `${sanitizeForLog(event.type, 80)} event data is not JSON`,
      );
    }
  }
  const d = isObj(data) ? data : {};
  return judge(
    {
      form: 'eventarc',
      finalize: event.type === OBJECT_FINALIZED,
      eventType: event.type,
      bucket: d.bucket,
      object: d.name,
      generation: d.generation,
      createdAt: d.timeCreated ?? event.time,
    },
    models,
  );
}
