import type { PubsubMessage } from '@maskops/localcloud';
import {
  cloudEventBinary,
  cloudEventStructured,
  pubsubMessage,
  pubsubPushBody,
} from '@maskops/localcloud';
import { BUILD_STATUSES } from '@maskops/shared';
import { Annotation } from '@maskops/shared';
import { cloudBuild, digest, OLD_IMAGE, REPO, startCloud, startFunction } from './helpers/cloud';
import { annotations, functionSuite, lastLog } from './helpers/suite';

const suite = functionSuite({ ROLLOUT_TIMEOUT_SECONDS: '0' });
const { fn } = suite;

describe('delivery envelopes: all reach the same handler', () => {
  const envelopes: Array<
    [string, (m: PubsubMessage) => { headers: Record<string, string>; body: string; path?: string }]
  > = [
    ['binary CloudEvent', (m) => cloudEventBinary(m)],
    ['structured CloudEvent', (m) => cloudEventStructured(m)],
    ['plain Pub/Sub push body', (m) => pubsubPushBody(m)],
    [
      'legacy background event {data, context}',
      (m) => ({
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          data: {
            '@type': 'type.googleapis.com/google.pubsub.v1.PubsubMessage',
            data: m.data,
            attributes: {},
          },
          context: {
            eventId: m.messageId,
            timestamp: m.publishTime,
            eventType: 'google.pubsub.topic.publish',
            resource: {
              service: 'pubsub.googleapis.com',
              name: 'projects/p/topics/cloud-builds',
              type: 'type.googleapis.com/google.pubsub.v1.PubsubMessage',
            },
          },
        }),
      }),
    ],
    [
      'legacy background event with an eventType functions-framework does not convert',
      (m) => ({
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          data: { data: m.data },
          context: { eventId: m.messageId, timestamp: m.publishTime },
        }),
      }),
    ],
  ];
  it.each(envelopes)('%s: deploys by digest', async (_name, wrap) => {
    const f = await fn();
    const status = await f.post(wrap(pubsubMessage(cloudBuild())));
    expect(status).toBe(204);
    expect(f.image()).toBe(`${REPO}@${digest('1')}`);
    expect(lastLog(f)).toMatchObject({
      outcome: 'patched',
      buildId: 'build-1',
      severity: 'NOTICE',
    });
  });

  it('an event with no Pub/Sub message in it is acknowledged and ignored', async () => {
    const f = await fn();
    const status = await f.post({
      headers: {
        'content-type': 'application/json',
        'ce-id': '1',
        'ce-type': 't',
        'ce-source': 's',
        'ce-specversion': '1.0',
      },
      body: JSON.stringify({ hello: 'world' }),
    });
    expect(status).toBe(204);
    expect(f.patches()).toBe(0);
    expect(lastLog(f)).toMatchObject({ outcome: 'ignored', reason: 'MALFORMED' });
  });
});

describe('what gets patched', () => {
  it('deploy by digest: only that container image, annotations, resourceVersion, strategic merge', async () => {
    const f = await fn();
    const before = f.deployment();
    expect(await f.post(cloudEventBinary(pubsubMessage(cloudBuild())))).toBe(204);
    const patch = suite.cloud.kube.requests
      .filter((r) => r.method === 'PATCH' && r.path.endsWith(f.name))
      .pop()!;
    expect(patch.contentType).toBe('application/strategic-merge-patch+json');
    expect(patch.body).toEqual({
      metadata: {
        resourceVersion: before.metadata.resourceVersion,
        annotations: {
          [Annotation.CHANGE_CAUSE]: `maskops: cloud-build build-1 commit abc1234def56 → ${REPO}@${digest('1')}`,
          [Annotation.BUILD_ID]: 'build-1',
          [Annotation.FINISH_TIME]: '2026-01-01T00:00:01.000000000Z',
          [Annotation.COMMIT_SHA]: 'abc1234def5678',
          [Annotation.PREVIOUS_IMAGE]: OLD_IMAGE,
          [Annotation.ROLLBACK_REASON]: null,
          [Annotation.FORCED_BY_REPLAY]: null,
        },
      },
      spec: {
        template: {
          spec: { containers: [{ name: 'inference-api', image: `${REPO}@${digest('1')}` }] },
        },
      },
    });
    expect(annotations(f)).toMatchObject({
      [Annotation.BUILD_ID]: 'build-1',
      [Annotation.PREVIOUS_IMAGE]: OLD_IMAGE,
    });
    expect(
      f.deployment().spec.template.metadata?.annotations?.[Annotation.BUILD_ID],
    ).toBeUndefined();
  });

  it('tag-only build: deploys the tag and stamps the build id on the pod template', async () => {
    const f = await fn();
    const msg = cloudBuild({
      id: 'build-tag',
      results: undefined,
      images: [`${REPO}:latest`, `${REPO}:abc1234`],
    });
    expect(await f.post(cloudEventBinary(pubsubMessage(msg)))).toBe(204);
    expect(f.image()).toBe(`${REPO}:abc1234`);
    expect(f.deployment().spec.template.metadata!.annotations![Annotation.BUILD_ID]).toBe(
      'build-tag',
    );
    // The same tag from a later build still changes the pod template, so pods roll.
    const again = cloudBuild({
      id: 'build-tag-2',
      finishTime: '2026-01-01T00:00:02Z',
      results: undefined,
      images: [`${REPO}:abc1234`],
    });
    const generation = f.deployment().metadata.generation;
    expect(await f.post(cloudEventBinary(pubsubMessage(again)))).toBe(204);
    expect(f.deployment().spec.template.metadata!.annotations![Annotation.BUILD_ID]).toBe(
      'build-tag-2',
    );
    expect(f.deployment().metadata.generation).toBeGreaterThan(generation);
  });

  it('patches only the container named by CONTAINER; sidecars are untouched', async () => {
    const f = await fn({
      env: { CONTAINER: 'model', ROLLOUT_TIMEOUT_SECONDS: '0' },
      containers: [
        { name: 'proxy', image: 'gcr.io/other/proxy:1' },
        { name: 'model', image: OLD_IMAGE },
        { name: 'log-shipper', image: 'gcr.io/other/logs:2' },
      ],
    });
    expect(await f.post(cloudEventBinary(pubsubMessage(cloudBuild())))).toBe(204);
    expect(f.image('model')).toBe(`${REPO}@${digest('1')}`);
    expect(f.image('proxy')).toBe('gcr.io/other/proxy:1');
    expect(f.image('log-shipper')).toBe('gcr.io/other/logs:2');
  });

  it('several containers and no CONTAINER: permanent error naming them, acknowledged, nothing patched', async () => {
    const f = await fn({
      containers: [
        { name: 'proxy', image: 'gcr.io/o/p:1' },
        { name: 'model', image: OLD_IMAGE },
      ],
    });
    expect(await f.post(cloudEventBinary(pubsubMessage(cloudBuild())))).toBe(204);
    expect(f.patches()).toBe(0);
    expect(lastLog(f)).toMatchObject({
      outcome: 'rejected',
      code: 'CONTAINER_AMBIGUOUS',
      severity: 'ERROR',
    });
    expect(String(lastLog(f).message)).toContain('proxy, model');
  });

  it('CONTAINER naming a container that does not exist: rejected, nothing patched', async () => {
    const f = await fn({ env: { CONTAINER: 'nope', ROLLOUT_TIMEOUT_SECONDS: '0' } });
    expect(await f.post(cloudEventBinary(pubsubMessage(cloudBuild())))).toBe(204);
    expect(f.patches()).toBe(0);
    expect(lastLog(f)).toMatchObject({ outcome: 'rejected', code: 'CONTAINER_NOT_FOUND' });
  });

  it('a missing Deployment is a permanent error (acknowledged)', async () => {
    const f = await fn({ noDeployment: true });
    expect(await f.post(cloudEventBinary(pubsubMessage(cloudBuild())))).toBe(204);
    expect(lastLog(f)).toMatchObject({ outcome: 'rejected', code: 'DEPLOYMENT_NOT_FOUND' });
  });

  it('uses PROJECT, ZONE and CLUSTER in the Container API path', async () => {
    const other = await startCloud({
      project: 'other-proj-42',
      location: 'europe-west4',
      cluster: 'prod-1',
    });
    try {
      const f = await startFunction(other, { env: { ROLLOUT_TIMEOUT_SECONDS: '0' } });
      suite.track(f);
      expect(await f.post(cloudEventBinary(pubsubMessage(cloudBuild())))).toBe(204);
      expect(other.container.requests.map((r) => `${r.method} ${r.path} ${r.status}`)).toEqual([
        'GET /v1/projects/other-proj-42/locations/europe-west4/clusters/prod-1 200',
      ]);
      expect(f.image()).toBe(`${REPO}@${digest('1')}`);
      // A cluster name that does not exist there is a configuration error: acknowledged.
      const wrong = await startFunction(other, {
        env: { CLUSTER: 'prod-2', ROLLOUT_TIMEOUT_SECONDS: '0' },
      });
      suite.track(wrong);
      expect(await wrong.post(cloudEventBinary(pubsubMessage(cloudBuild())))).toBe(204);
      expect(lastLog(wrong)).toMatchObject({
        outcome: 'rejected',
        code: 'CONTAINER_API_NOT_FOUND',
      });
      expect(wrong.patches()).toBe(0);
    } finally {
      await other.close();
    }
  });
});

describe('at-least-once and out-of-order delivery', () => {
  it('the same message twice patches once', async () => {
    const f = await fn();
    const m = pubsubMessage(cloudBuild());
    expect(await f.post(cloudEventBinary(m))).toBe(204);
    expect(await f.post(cloudEventBinary(m))).toBe(204);
    expect(f.patches()).toBe(1);
    expect(lastLog(f)).toMatchObject({ outcome: 'already-deployed', severity: 'INFO' });
  });

  it('a newer build, then an older one: the older is skipped as stale', async () => {
    const f = await fn();
    const newer = cloudBuild({
      id: 'b-new',
      finishTime: '2026-01-01T00:00:05.000000002Z',
      results: { images: [{ name: `${REPO}:n`, digest: digest('2') }] },
    });
    const older = cloudBuild({
      id: 'b-old',
      finishTime: '2026-01-01T00:00:05.000000001Z',
      results: { images: [{ name: `${REPO}:o`, digest: digest('3') }] },
    });
    expect(await f.post(cloudEventStructured(pubsubMessage(newer)))).toBe(204);
    expect(await f.post(cloudEventStructured(pubsubMessage(older)))).toBe(204);
    expect(f.image()).toBe(`${REPO}@${digest('2')}`);
    expect(f.patches()).toBe(1);
    expect(lastLog(f)).toMatchObject({ outcome: 'stale', buildId: 'b-old' });
  });

  it('the Artifact Registry message for an image already deployed by its build changes nothing', async () => {
    const f = await fn();
    expect(await f.post(cloudEventBinary(pubsubMessage(cloudBuild())))).toBe(204);
    const ar = pubsubMessage(
      { action: 'INSERT', digest: `${REPO}@${digest('1')}`, tag: `${REPO}:abc1234` },
      { publishTime: '2026-01-01T00:00:09Z' },
    );
    expect(await f.post(cloudEventBinary(ar, { topic: 'projects/p/topics/gcr' }))).toBe(204);
    expect(f.patches()).toBe(1);
    expect(lastLog(f)).toMatchObject({ outcome: 'already-deployed' });
  });
});

describe('build statuses', () => {
  it.each(BUILD_STATUSES)('%s', async (status) => {
    const f = await fn();
    expect(await f.post(cloudEventBinary(pubsubMessage(cloudBuild({ status }))))).toBe(204);
    if (status === 'SUCCESS') {
      expect(f.patches()).toBe(1);
    } else {
      expect(f.patches()).toBe(0);
      expect(lastLog(f)).toMatchObject({
        outcome: 'ignored',
        reason: 'NOT_SUCCESS',
        status,
        buildId: 'build-1',
      });
    }
  });
});

describe('Artifact Registry notifications', () => {
  it('INSERT deploys the digest', async () => {
    const f = await fn();
    const m = pubsubMessage(
      { action: 'INSERT', digest: `${REPO}@${digest('4')}`, tag: `${REPO}:v4` },
      { messageId: '1234', publishTime: '2026-02-01T00:00:00Z' },
    );
    expect(await f.post(cloudEventBinary(m, { topic: 'projects/p/topics/gcr' }))).toBe(204);
    expect(f.image()).toBe(`${REPO}@${digest('4')}`);
    expect(annotations(f)).toMatchObject({
      [Annotation.BUILD_ID]: 'ar-1234',
      [Annotation.FINISH_TIME]: '2026-02-01T00:00:00.000000000Z',
    });
  });
  it('DELETE is ignored', async () => {
    const f = await fn();
    const m = pubsubMessage({ action: 'DELETE', digest: `${REPO}@${digest('4')}` });
    expect(await f.post(cloudEventBinary(m))).toBe(204);
    expect(f.patches()).toBe(0);
    expect(lastLog(f)).toMatchObject({ outcome: 'ignored', reason: 'NOT_INSERT' });
  });
});

describe('malformed and hostile messages are acknowledged and change nothing', () => {
  const b64 = (s: string) => Buffer.from(s).toString('base64');
  const withImage = (name: string, d = digest('5')) =>
    pubsubMessage(cloudBuild({ images: [], results: { images: [{ name, digest: d }] } }));
  const cases: Array<[string, string, PubsubMessage]> = [
    ['bad base64', 'BAD_BASE64', { ...pubsubMessage('x'), data: '!!!not-base64!!!' }],
    ['non-JSON', 'NOT_JSON', pubsubMessage('definitely not json')],
    ['2 MiB payload', 'TOO_LARGE', pubsubMessage(Buffer.alloc(2 * 1024 * 1024, 0x7b))],
    ['another repository', 'OTHER_REPOSITORY', withImage('gcr.io/p/other:1')],
    [
      'look-alike host',
      'OTHER_REPOSITORY',
      withImage('us-central1-docker.pkg.dev.evil.com/my-proj/maskops/inference-api:1'),
    ],
    [
      'uppercase host',
      'OTHER_REPOSITORY',
      withImage('US-CENTRAL1-DOCKER.PKG.DEV/my-proj/maskops/inference-api:1'),
    ],
    ['path prefix', 'OTHER_REPOSITORY', withImage('us-central1-docker.pkg.dev/my-proj/maskops:1')],
    ['path suffix', 'OTHER_REPOSITORY', withImage(`${REPO}-evil:1`)],
    ['newline injection', 'INVALID_IMAGE_REF', withImage(`${REPO}:1\nevil`)],
    ['shell metacharacters', 'INVALID_IMAGE_REF', withImage(`${REPO}:$(reboot)`)],
    ['digest injection', 'MALFORMED', withImage(`${REPO}:1`, 'sha256:abc","image":"evil')],
    [
      '64 non-hex digest next to a tag in images[] (no fallback to the tag)',
      'MALFORMED',
      pubsubMessage(
        cloudBuild({
          images: [`${REPO}:abc1234`],
          results: { images: [{ name: `${REPO}:abc1234`, digest: `sha256:${'x'.repeat(64)}` }] },
        }),
      ),
    ],
    [
      'digest of the wrong length next to a tag in images[]',
      'MALFORMED',
      pubsubMessage(
        cloudBuild({
          images: [`${REPO}:abc1234`],
          results: { images: [{ name: `${REPO}:abc1234`, digest: `sha256:${'a'.repeat(40)}` }] },
        }),
      ),
    ],
    ['JSON array', 'UNKNOWN_FORMAT', { ...pubsubMessage('x'), data: b64('[]') }],
    ['empty data', 'MALFORMED', { ...pubsubMessage('x'), data: '' }],
  ];
  it.each(cases)('%s → %s', async (_n, reason, m) => {
    const f = await fn();
    expect(await f.post(cloudEventBinary(m))).toBe(204);
    expect(f.patches()).toBe(0);
    expect(f.image()).toBe(OLD_IMAGE);
    expect(lastLog(f)).toMatchObject({ outcome: 'ignored', reason, severity: 'INFO' });
  });
});

describe('logs', () => {
  it('one JSON line per decision, with no token or certificate anywhere', async () => {
    const f = await fn();
    await f.post(cloudEventBinary(pubsubMessage(cloudBuild())));
    await f.post(cloudEventBinary(pubsubMessage(cloudBuild({ status: 'FAILURE' }))));
    expect(f.logs).toHaveLength(2);
    const text = JSON.stringify(f.logs);
    expect(text).not.toContain(suite.cloud.metadata.token);
    expect(text).not.toContain('BEGIN CERTIFICATE');
    expect(text).not.toContain(Buffer.from(suite.cloud.kube.caPem).toString('base64').slice(0, 40));
    for (const line of f.logs) {
      expect(line).toEqual(
        expect.objectContaining({
          severity: expect.any(String),
          message: expect.any(String),
          outcome: expect.any(String),
          deployment: `default/${f.name}`,
        }),
      );
    }
  });
});
