import { cloudEventBinary, pubsubMessage } from '@maskops/localcloud';
import type { PubsubMessage } from '@maskops/shared';
import { CloudEventMode, cloudEventRequest, formatModelUri } from '@maskops/shared';
import { OBJECT_FINALIZED } from '../../src/model/storage-event';
import type { Fn } from './cloud';

export const MODEL_BUCKET = 'maskops-models';
export const MODEL_PREFIX = 'prod/models';
export const MANIFEST = `${MODEL_PREFIX}/shapes/maskops-model.json`;
/** A MODEL_BUCKET env for the function under test. */
export const MODEL_ENV = { MODEL_BUCKET: `gs://${MODEL_BUCKET}/${MODEL_PREFIX}` };

export const modelUri = (generation: string, object = MANIFEST, bucket = MODEL_BUCKET): string =>
  formatModelUri({ bucket, object, generation });

export interface StorageObject {
  bucket?: string;
  name?: string;
  generation: string;
  /** Pub/Sub eventType (OBJECT_FINALIZE, OBJECT_DELETE …). */
  eventType?: string;
}

/** The object resource (JSON_API_V1) both forms carry. */
function objectResource(o: StorageObject): Record<string, unknown> {
  const bucket = o.bucket ?? MODEL_BUCKET;
  const name = o.name ?? MANIFEST;
  return {
    kind: 'storage#object',
    id: `${bucket}/${name}/${o.generation}`,
    bucket,
    name,
    generation: o.generation,
    metageneration: '1',
    contentType: 'application/json',
    timeCreated: '2026-01-01T00:00:05.000Z',
    updated: '2026-01-01T00:00:05.000Z',
    size: '512',
    crc32c: 'AAAAAA==',
  };
}

/** What a bucket's Pub/Sub notification publishes for an object event. */
export function storageNotification(o: StorageObject): PubsubMessage {
  const r = objectResource(o);
  return pubsubMessage(r, {
    attributes: {
      notificationConfig: `projects/_/buckets/${String(r.bucket)}/notificationConfigs/1`,
      eventType: o.eventType ?? 'OBJECT_FINALIZE',
      payloadFormat: 'JSON_API_V1',
      bucketId: String(r.bucket),
      objectId: String(r.name),
      objectGeneration: o.generation,
      eventTime: '2026-01-01T00:00:05.000Z',
    },
  });
}

/** Delivers the notification as Eventarc delivers a Pub/Sub message (messagePublished). */
export const deliverNotification = (f: Pick<Fn, 'post'>, o: StorageObject) =>
  f.post(cloudEventBinary(storageNotification(o)));

/** Delivers an Eventarc Cloud Storage event (binary CloudEvent, data StorageObjectData). */
export const deliverStorageEvent = (
  f: Pick<Fn, 'post'>,
  o: StorageObject & { type?: string },
  mode: CloudEventMode = CloudEventMode.BINARY,
) => {
  const data = objectResource(o);
  return f.post(
    cloudEventRequest(
      {
        type: o.type ?? OBJECT_FINALIZED,
        source: `//storage.googleapis.com/projects/_/buckets/${String(data.bucket)}`,
        data,
      },
      mode,
    ),
  );
};

/** The MODEL_PATH env of a container, as the stand-in holds it (undefined: none). */
export function modelPath(
  f: Pick<Fn, 'deployment'>,
  container = 'inference-api',
): string | undefined {
  const c = f.deployment().spec.template.spec.containers.find((x) => x.name === container);
  const env = (c?.env ?? []) as Array<{ name: string; value?: string }>;
  return env.find((e) => e.name === 'MODEL_PATH')?.value;
}
