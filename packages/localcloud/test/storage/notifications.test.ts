import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startGoogleApis } from '../../src/google-apis/server';
import type { GoogleApisServer } from '../../src/google-apis/server';
import type { PublishedMessage } from '../../src/google-apis/topic-messages';

type Json = Record<string, unknown>;

const TOPIC = 'projects/demo-proj-1/topics/model-events';

describe('Cloud Storage notifications and bucket configuration', () => {
  let g: GoogleApisServer;
  const seen: PublishedMessage[] = [];
  beforeAll(async () => {
    g = await startGoogleApis();
    g.state.messages.onPublish((m) => seen.push(m));
  });
  afterAll(() => g.close());

  const call = async (method: string, path: string, body?: unknown, type = 'application/json') => {
    const res = await fetch(`${g.url}${path}`, {
      method,
      headers: { authorization: 'Bearer t', 'content-type': type },
      body: typeof body === 'string' || body === undefined ? body : JSON.stringify(body),
    });
    return { status: res.status, json: (res.status === 204 ? {} : await res.json()) as Json };
  };
  const upload = (bucket: string, name: string, data: string) =>
    call(
      'POST',
      `/upload/storage/v1/b/${bucket}/o?uploadType=media&name=${encodeURIComponent(name)}`,
      data,
      'text/plain',
    );

  it('publishes the message Cloud Storage sends for a finalize under the prefix', async () => {
    await call('POST', '/storage/v1/b?project=demo-proj-1', { name: 'models-a' });
    // The topic must exist first, as on Google.
    const early = await call('POST', '/storage/v1/b/models-a/notificationConfigs', {
      topic: `//pubsub.googleapis.com/${TOPIC}`,
    });
    expect([early.status, (early.json.error as Json).status]).toEqual([400, 'INVALID_ARGUMENT']);
    await call('PUT', `/pubsub/v1/${TOPIC}`, {});
    const before = (await call('GET', '/storage/v1/b/models-a')).json.metageneration;
    const created = await call('POST', '/storage/v1/b/models-a/notificationConfigs', {
      topic: TOPIC,
      event_types: ['OBJECT_FINALIZE'],
      object_name_prefix: 'models/',
      payload_format: 'JSON_API_V1',
    });
    expect(created.status).toBe(200);
    expect(created.json).toMatchObject({
      kind: 'storage#notification',
      topic: `//pubsub.googleapis.com/${TOPIC}`,
      event_types: ['OBJECT_FINALIZE'],
      object_name_prefix: 'models/',
      payload_format: 'JSON_API_V1',
    });
    // Creating a configuration changes the bucket's metadata.
    expect((await call('GET', '/storage/v1/b/models-a')).json.metageneration).not.toBe(before);

    seen.length = 0;
    await upload('models-a', 'other/x.json', '{}');
    const object = (await upload('models-a', 'models/good/maskops-model.json', '{"v":1}')).json;
    expect(seen).toHaveLength(1);
    const { topic, message } = seen[0];
    expect(topic).toBe(TOPIC);
    expect(message.attributes).toEqual({
      notificationConfig: `projects/_/buckets/models-a/notificationConfigs/${String(created.json.id)}`,
      eventType: 'OBJECT_FINALIZE',
      payloadFormat: 'JSON_API_V1',
      bucketId: 'models-a',
      objectId: 'models/good/maskops-model.json',
      objectGeneration: object.generation,
      eventTime: expect.stringMatching(/^\d{4}-\d\d-\d\dT/) as unknown,
    });
    const data = JSON.parse(Buffer.from(message.data, 'base64').toString('utf8')) as Json;
    expect(data).toMatchObject({
      kind: 'storage#object',
      bucket: 'models-a',
      name: 'models/good/maskops-model.json',
      generation: object.generation,
      crc32c: object.crc32c,
    });
    expect(g.state.messages.of(TOPIC)).toHaveLength(1);
  });

  it('reports overwrites and deletes, and a NONE payload carries no data', async () => {
    await call('POST', '/storage/v1/b?project=demo-proj-1', {
      name: 'models-b',
      versioning: { enabled: true },
    });
    const config = await call('POST', '/storage/v1/b/models-b/notificationConfigs', {
      topic: TOPIC,
      payload_format: 'NONE',
    });
    seen.length = 0;
    const one = (await upload('models-b', 'm.json', 'one')).json;
    const two = (await upload('models-b', 'm.json', 'two')).json;
    expect(
      (await call('DELETE', `/storage/v1/b/models-b/o/m.json?generation=${String(one.generation)}`))
        .status,
    ).toBe(204);
    const events = seen.map((s) => [
      s.message.attributes?.eventType,
      s.message.attributes?.objectGeneration,
      s.message.attributes?.overwroteGeneration ?? s.message.attributes?.overwrittenByGeneration,
      s.message.data,
    ]);
    expect(events).toEqual([
      ['OBJECT_FINALIZE', one.generation, undefined, ''],
      ['OBJECT_FINALIZE', two.generation, one.generation, ''],
      // A versioned bucket keeps the replaced generation: archived, not deleted.
      ['OBJECT_ARCHIVE', one.generation, two.generation, ''],
      ['OBJECT_DELETE', one.generation, undefined, ''],
    ]);
    const listed = await call('GET', '/storage/v1/b/models-b/notificationConfigs');
    expect((listed.json.items as Json[]).map((i) => i.id)).toEqual([config.json.id]);
    const id = String(config.json.id);
    expect((await call('DELETE', `/storage/v1/b/models-b/notificationConfigs/${id}`)).status).toBe(
      204,
    );
    expect((await call('GET', `/storage/v1/b/models-b/notificationConfigs/${id}`)).status).toBe(
      404,
    );
    seen.length = 0;
    await upload('models-b', 'm.json', 'three');
    expect(seen).toEqual([]);
  });

  it('refuses a bad configuration with 400 and keeps lifecycle rules', async () => {
    const bad = await call('POST', '/storage/v1/b/models-a/notificationConfigs', {
      topic: TOPIC,
      event_types: ['OBJECT_CHANGED'],
    });
    expect(bad.status).toBe(400);
    const lifecycle = {
      rule: [{ action: { type: 'Delete' }, condition: { isLive: false, numNewerVersions: 10 } }],
    };
    const patched = await call('PATCH', '/storage/v1/b/models-a', {
      versioning: { enabled: true },
      lifecycle,
    });
    expect(patched.json).toMatchObject({ versioning: { enabled: true }, lifecycle });
    expect((await call('GET', '/storage/v1/b/models-a')).json.lifecycle).toEqual(lifecycle);
    expect(
      (await call('PATCH', '/storage/v1/b/models-a', { lifecycle: { rule: [{ action: {} }] } }))
        .status,
    ).toBe(400);
    // null clears a field, as a JSON API patch does.
    await call('PATCH', '/storage/v1/b/models-a', { lifecycle: null });
    expect((await call('GET', '/storage/v1/b/models-a')).json.lifecycle).toBeUndefined();
  });

  it('takes topics.publish and answers the message ids', async () => {
    const sent = await call('POST', `/pubsub/v1/${TOPIC}:publish`, {
      messages: [{ data: Buffer.from('hi').toString('base64'), attributes: { a: '1' } }],
    });
    expect(sent.status).toBe(200);
    expect(sent.json.messageIds).toEqual([g.state.messages.published.at(-1)?.message.messageId]);
    expect((await call('POST', `/pubsub/v1/${TOPIC}:publish`, { messages: [{}] })).status).toBe(
      400,
    );
    expect(
      (
        await call('POST', '/pubsub/v1/projects/demo-proj-1/topics/none:publish', {
          messages: [{ data: 'aGk=' }],
        })
      ).status,
    ).toBe(404);
  });
});

const gcloudPath = (process.env.PATH ?? '')
  .split(':')
  .map((d) => join(d, 'gcloud'))
  .find((p) => existsSync(p));
if (!gcloudPath) console.warn('gcloud not on PATH: skipping the gcloud storage suite');
const describeGcloud = gcloudPath ? describe : describe.skip;

describeGcloud('gcloud storage against the Cloud Storage stand-in', () => {
  let g: GoogleApisServer;
  let dir: string;
  beforeAll(async () => {
    g = await startGoogleApis();
    dir = mkdtempSync(join(tmpdir(), 'localcloud-gcloud-'));
  });
  afterAll(async () => {
    await g.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const gcloud = (...args: string[]) =>
    promisify(execFile)(gcloudPath ?? 'gcloud', [...args, '--project', 'demo-proj-1'], {
      env: { ...process.env, ...g.gcloudEnv(join(dir, 'config')) },
    });

  it('turns on versioning with a lifecycle rule and creates a notification', async () => {
    await gcloud('storage', 'buckets', 'create', 'gs://demo-models', '--location', 'us-central1');
    const rules = join(dir, 'lifecycle.json');
    const lifecycle = {
      rule: [{ action: { type: 'Delete' }, condition: { isLive: false, numNewerVersions: 5 } }],
    };
    await import('node:fs/promises').then((fs) => fs.writeFile(rules, JSON.stringify(lifecycle)));
    await gcloud(
      'storage',
      'buckets',
      'update',
      'gs://demo-models',
      '--versioning',
      `--lifecycle-file=${rules}`,
    );
    await gcloud(
      'storage',
      'buckets',
      'notifications',
      'create',
      'gs://demo-models',
      '--topic=model-events',
      '--event-types=OBJECT_FINALIZE',
      '--object-prefix=models/',
      '--payload-format=json',
    );
    expect(g.unknownRequests()).toEqual([]);
    expect(g.storage.bucket('demo-models').resource).toMatchObject({
      versioning: { enabled: true },
      lifecycle,
    });
    const created = g.requests.find(
      (r) => r.method === 'POST' && r.path === '/storage/v1/b/demo-models/notificationConfigs',
    );
    expect(created?.body).toMatchObject({
      event_types: ['OBJECT_FINALIZE'],
      object_name_prefix: 'models/',
      payload_format: 'JSON_API_V1',
    });
    // gcloud made the topic and let Cloud Storage's service agent publish to it.
    expect(
      g.state.policies.members(
        'projects/demo-proj-1/topics/model-events',
        'roles/pubsub.publisher',
      ),
    ).toEqual([
      expect.stringMatching(/^serviceAccount:service-\d+@gs-project-accounts\./) as unknown,
    ]);
    g.storage.write('demo-models', 'models/a/maskops-model.json', Buffer.from('{}'), {});
    expect(
      g.state.messages
        .of('projects/demo-proj-1/topics/model-events')
        .map((m) => m.message.attributes?.objectId),
    ).toEqual(['models/a/maskops-model.json']);
  }, 120_000);
});
