import type { PubsubMessage } from '@maskops/shared';
import { MODEL_MANIFEST_NAME, parseModelUri, pubsubMessage } from '@maskops/shared';
import { replayError } from './replay-error';

/**
 * `--model gs://B/PREFIX/NAME/maskops-model.json#GENERATION` as the Pub/Sub
 * notification the bucket sent when that manifest generation was written
 * (OBJECT_FINALIZE, JSON_API_V1): replayed like a build message, it goes
 * through the function's model path and its guards (prefix, ordering).
 */
export function modelNotification(uri: string, now = new Date()): PubsubMessage {
  const model = parseModelUri(uri);
  if (model === undefined) {
    throw replayError.inputInvalid(
      `--model must be gs://BUCKET/PATH/${MODEL_MANIFEST_NAME}#GENERATION, got "${uri.slice(0, 200)}"`,
    );
  }
  const { bucket, object, generation } = model;
  const at = now.toISOString();
  // The object resource as far as the URI tells it; the write time is unknown, so now.
  const resource = {
    kind: 'storage#object',
    id: `${bucket}/${object}/${generation}`,
    bucket,
    name: object,
    generation,
    contentType: 'application/json',
    timeCreated: at,
    updated: at,
  };
  return pubsubMessage(resource, {
    attributes: {
      notificationConfig: `projects/_/buckets/${bucket}/notificationConfigs/replay`,
      eventType: 'OBJECT_FINALIZE',
      payloadFormat: 'JSON_API_V1',
      bucketId: bucket,
      objectId: object,
      objectGeneration: generation,
      eventTime: at,
    },
    messageId: `replay-${now.getTime()}`,
    publishTime: at,
  });
}
