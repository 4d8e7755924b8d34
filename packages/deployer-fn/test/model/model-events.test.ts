import { cloudEventStructured, pubsubPushBody } from '@maskops/localcloud';
import { CloudEventMode } from '@maskops/shared';
import { readConfig } from '../../src/config';
import { OLD_IMAGE } from '../helpers/cloud';
import {
  deliverNotification,
  deliverStorageEvent,
  MANIFEST,
  MODEL_ENV,
  MODEL_PREFIX,
  modelPath,
  modelUri,
  storageNotification,
} from '../helpers/model-events';
import { functionSuite, lastLog } from '../helpers/suite';

const suite = functionSuite({ ROLLOUT_TIMEOUT_SECONDS: '10', ...MODEL_ENV });
const { fn } = suite;

const BASE = {
  PROJECT: 'my-proj',
  ZONE: 'us-central1-a',
  CLUSTER: 'c',
  DEPLOYMENT: 'd',
  IMAGE: 'us-docker.pkg.dev/p/r/i',
};

describe('MODEL_BUCKET', () => {
  it.each([
    ['gs://b-1', { bucket: 'b-1', prefix: '' }],
    ['gs://b-1/', { bucket: 'b-1', prefix: '' }],
    ['gs://b-1/models', { bucket: 'b-1', prefix: 'models/' }],
    ['gs://b-1/prod/models/', { bucket: 'b-1', prefix: 'prod/models/' }],
  ])('%s is read as bucket and prefix', (value, expected) => {
    expect(readConfig({ ...BASE, MODEL_BUCKET: value }).modelBucket).toEqual(expected);
  });

  it('unset: no model bucket', () => {
    expect(readConfig(BASE).modelBucket).toBeUndefined();
  });

  it.each([
    'b-1/models',
    'gs://',
    'gs://B/x',
    'https://storage.googleapis.com/b',
    'gs://bkt/../x',
    'gs://bkt/a//b',
  ])('%s stops the start naming MODEL_BUCKET', (value) => {
    expect(() => readConfig({ ...BASE, MODEL_BUCKET: value })).toThrow(/MODEL_BUCKET/);
  });
});

describe('a manifest finalize starts a model rollout, in either form', () => {
  it('the bucket’s Pub/Sub notification, delivered by Eventarc', async () => {
    const f = await fn();
    expect(await deliverNotification(f, { generation: '1001' })).toBe(204);
    expect(lastLog(f)).toMatchObject({
      outcome: 'deployed',
      source: 'cloud-storage',
      form: 'pubsub-notification',
      model: modelUri('1001'),
      generation: '1001',
    });
    expect(modelPath(f)).toBe(modelUri('1001'));
  });

  it('the same notification as a push subscription’s body', async () => {
    const f = await fn();
    expect(await f.post(pubsubPushBody(storageNotification({ generation: '1002' })))).toBe(204);
    expect(lastLog(f)).toMatchObject({ outcome: 'deployed', form: 'pubsub-notification' });
    expect(modelPath(f)).toBe(modelUri('1002'));
  });

  it.each([CloudEventMode.BINARY, CloudEventMode.STRUCTURED])(
    'an Eventarc google.cloud.storage.object.v1.finalized event (%s)',
    async (mode) => {
      const f = await fn();
      expect(await deliverStorageEvent(f, { generation: '1003' }, mode)).toBe(204);
      expect(lastLog(f)).toMatchObject({ outcome: 'deployed', form: 'eventarc' });
      expect(modelPath(f)).toBe(modelUri('1003'));
    },
  );
});

describe('everything else from the bucket is acknowledged with one INFO line', () => {
  const ignored = (reason: string) => ({
    outcome: 'ignored',
    reason,
    severity: 'INFO',
    source: 'cloud-storage',
  });

  it('MODEL_BUCKET unset: model events are acknowledged, nothing is read or patched', async () => {
    const f = await fn({ env: { MODEL_BUCKET: '' } });
    expect(await deliverNotification(f, { generation: '5' })).toBe(204);
    expect(await deliverStorageEvent(f, { generation: '5' })).toBe(204);
    expect(f.logs.map((l) => l.reason)).toEqual(['MODEL_BUCKET_UNSET', 'MODEL_BUCKET_UNSET']);
    expect(lastLog(f)).toMatchObject(ignored('MODEL_BUCKET_UNSET'));
    expect(f.patches()).toBe(0);
    expect(f.image()).toBe(OLD_IMAGE);
  });

  it.each([
    ['OUTSIDE_PREFIX', { name: 'staging/shapes/maskops-model.json' }],
    ['OUTSIDE_PREFIX', { name: 'maskops-model.json' }],
    ['NOT_A_MANIFEST', { name: `${MODEL_PREFIX}/shapes/model.onnx` }],
    ['NOT_A_MANIFEST', { name: `${MODEL_PREFIX}/shapes/old-maskops-model.json` }],
    ['OTHER_BUCKET', { bucket: 'someone-else', name: MANIFEST }],
    ['NOT_FINALIZE', { eventType: 'OBJECT_DELETE' }],
    ['NOT_FINALIZE', { eventType: 'OBJECT_METADATA_UPDATE' }],
    ['NOT_FINALIZE', { eventType: 'OBJECT_ARCHIVE' }],
    ['MALFORMED', { generation: 'latest' }],
  ])('notification → %s', async (reason, over) => {
    const f = await fn();
    expect(await deliverNotification(f, { generation: '7', ...over })).toBe(204);
    expect(lastLog(f)).toMatchObject(ignored(reason));
    expect(f.patches()).toBe(0);
  });

  it.each([
    ['NOT_FINALIZE', { type: 'google.cloud.storage.object.v1.deleted' }],
    ['NOT_FINALIZE', { type: 'google.cloud.storage.object.v1.metadataUpdated' }],
    ['NOT_A_MANIFEST', { name: `${MODEL_PREFIX}/shapes/group1-shard1of1.bin` }],
    ['OUTSIDE_PREFIX', { name: 'other/shapes/maskops-model.json' }],
  ])('Eventarc → %s', async (reason, over) => {
    const f = await fn();
    expect(await deliverStorageEvent(f, { generation: '7', ...over })).toBe(204);
    expect(lastLog(f)).toMatchObject(ignored(reason));
    expect(f.patches()).toBe(0);
  });

  it('a structured storage event whose data is not JSON is malformed, not a crash', async () => {
    const f = await fn();
    const status = await f.post({
      headers: { 'content-type': 'application/cloudevents+json' },
      body: JSON.stringify({
        specversion: '1.0',
        id: 'e-1',
        source: '//storage.googleapis.com/projects/_/buckets/maskops-models',
        type: 'google.cloud.storage.object.v1.finalized',
        datacontenttype: 'text/plain',
        data: '{not json',
      }),
    });
    expect(status).toBe(204);
    expect(lastLog(f)).toMatchObject(ignored('MALFORMED'));
  });

  it('a notification in a structured messagePublished CloudEvent is read the same way', async () => {
    const f = await fn();
    expect(
      await f.post(
        cloudEventStructured(storageNotification({ generation: '9', eventType: 'OBJECT_DELETE' })),
      ),
    ).toBe(204);
    expect(lastLog(f)).toMatchObject(ignored('NOT_FINALIZE'));
  });
});
