import type { LocalCloud } from '@maskops/localcloud';
import { cloudEventBinary, pubsubMessage, startLocalCloud } from '@maskops/localcloud';
import type { LogFields } from '@maskops/shared';
import {
  Annotation,
  CanaryAnnotation,
  CloudEventMode,
  cloudEventRequest,
  sleep,
} from '@maskops/shared';
import { STEP_EVENT_SOURCE, STEP_EVENT_TYPE } from '../../src/canary/step-event';
import { cloudBuild, digest, OLD_IMAGE, REPO } from '../helpers/cloud';
import type { CanaryFn } from '../helpers/canary';
import { startCanaryFunction } from '../helpers/canary';
import { deliverNotification, MODEL_ENV, modelPath, modelUri } from '../helpers/model-events';
import type { TrackBehaviour, TrackMetrics } from '../helpers/track-metrics';
import { startTrackMetrics } from '../helpers/track-metrics';

jest.setTimeout(60_000);

let cloud: LocalCloud;
const closers: Array<() => Promise<void>> = [];
beforeAll(async () => {
  cloud = await startLocalCloud({
    rolloutStepMs: 10,
    cloudTasks: { retry: { maxAttempts: 3, minBackoffMs: 100, maxBackoffMs: 500 } },
    prometheus: { scrapeIntervalMs: 200 },
  });
});
afterAll(async () => {
  await Promise.all(closers.map((c) => c()));
  await cloud.close();
});

const START_MODEL = 'gs://maskops-models/baked/model.json';
const good = (model?: string): TrackBehaviour => ({
  build: 'build-0',
  ...(model === undefined ? {} : { model }),
  rps: 40,
  errorShare: 0,
  latencySeconds: 0.2,
  instancesPerImage: 2,
  topScore: 0.9,
});

/**
 * Stable runs build-0 with an unpinned model; the canary track's pods run the
 * same build with the model `generation` (its `model` label), as inference-api labels them.
 */
async function setup(
  generation: string,
  env: Record<string, string>,
): Promise<{ f: CanaryFn; canary: TrackMetrics }> {
  const stable = await startTrackMetrics('stable', good());
  const canary = await startTrackMetrics('canary', good(generation));
  const labels = { namespace: 'default' };
  cloud.prometheus!.setTargets([
    { url: stable.url, labels },
    { url: canary.url, labels },
  ]);
  const f = await startCanaryFunction(
    cloud,
    {
      PROMETHEUS_QUERY_URL: cloud.prometheus!.url,
      PROMETHEUS_SCRAPE_INTERVAL_SECONDS: '1',
      CANARY_INTERVAL_SECONDS: '1',
      CANARY_MIN_REQUESTS: '10',
      ...MODEL_ENV,
      ...env,
    },
    {
      annotations: { [Annotation.BUILD_ID]: 'build-0' },
      env: [{ name: 'MODEL_PATH', value: START_MODEL }],
    },
  );
  closers.push(
    () => f.close(),
    () => stable.close(),
    () => canary.close(),
  );
  return { f, canary };
}

async function until(f: CanaryFn, done: (l: LogFields) => boolean): Promise<LogFields> {
  for (let i = 0; i < 400; i++) {
    const found = f.logs.find(done);
    if (found) return found;
    await sleep(50);
  }
  throw new Error(`not reached; outcomes: ${f.logs.map((l) => String(l.outcome)).join(' ')}`);
}

const canaryModelPath = (f: CanaryFn) =>
  modelPath({ deployment: () => f.canary() }, 'inference-api');
const last = (f: CanaryFn) => f.logs[f.logs.length - 1];
it('a model is canaried like an image: the canary runs stable’s image with the new MODEL_PATH, then promotes', async () => {
  const { f } = await setup('11001', { CANARY_ANALYSIS_SECONDS: '3' });
  expect(await deliverNotification(f, { generation: '11001' })).toBe(204);
  expect(f.logs[0]).toMatchObject({ outcome: 'canary-started', buildId: 'model-11001' });
  expect(f.canary().spec.template.spec.containers[0].image).toBe(OLD_IMAGE);
  expect(canaryModelPath(f)).toBe(modelUri('11001'));
  // Stable is untouched until the promotion.
  expect(modelPath(f)).toBe(START_MODEL);
  const state = JSON.parse(f.canary().metadata.annotations![CanaryAnnotation.CANDIDATE]);
  expect(state).toMatchObject({ buildId: 'model-11001', model: { uri: modelUri('11001') } });

  const promoting = await until(f, (l) => l.outcome === 'canary-promoting');
  // Judged on the canary pods of this (build, model): evidence found, not an inconclusive promote.
  expect(promoting.inconclusive).toBe(false);
  expect(promoting.figures).toMatchObject({ canary: { requests: expect.any(Number) } });
  expect((promoting.figures as { canary: { requests: number } }).canary.requests).toBeGreaterThan(
    0,
  );
  await until(f, (l) => l.outcome === 'deployed');
  // Every step event said which model it belongs to; its line carries it.
  const steps = f.logs.filter((l) => l.event === 'canary-step');
  expect(steps.length).toBeGreaterThanOrEqual(2);
  for (const l of steps) expect(l).toMatchObject({ model: modelUri('11001') });
  expect(modelPath(f)).toBe(modelUri('11001'));
  expect(f.image()).toBe(OLD_IMAGE);
  const notes = f.deployment().metadata.annotations!;
  expect(notes[Annotation.MODEL_GENERATION]).toBe('11001');
  expect(notes[Annotation.BUILD_ID]).toBe('build-0');
  expect(f.canary().spec.replicas).toBe(0);
  expect(f.canary().metadata.annotations?.[CanaryAnnotation.PHASE]).toBe('promoted');
  expect(await deliverNotification(f, { generation: '11001' })).toBe(204);
  expect(last(f)).toMatchObject({ outcome: 'already-deployed' });
});

it('a model canary that starts finding nothing is aborted; its record is the model’s own', async () => {
  const { f, canary } = await setup('12001', { CANARY_ANALYSIS_SECONDS: '60' });
  expect(await deliverNotification(f, { generation: '12001' })).toBe(204);
  await until(f, (l) => l.outcome === 'canary-continue' && l.ready === true);
  canary.behaviour = { ...good('12001'), instancesPerImage: 0, topScore: 0 };
  const aborted = await until(f, (l) => l.outcome === 'canary-aborted');
  expect(aborted).toMatchObject({ severity: 'ERROR', buildId: 'model-12001' });
  expect(modelPath(f)).toBe(START_MODEL);
  expect(f.canary().spec.replicas).toBe(0);
  const notes = f.deployment().metadata.annotations!;
  expect(JSON.parse(notes[CanaryAnnotation.ABORTED_MODEL])).toMatchObject({
    build: 'model-12001',
    model: modelUri('12001'),
  });
  // The builds' record and ordering key are untouched.
  expect(notes[CanaryAnnotation.ABORTED]).toBeUndefined();
  expect(await deliverNotification(f, { generation: '12001' })).toBe(204);
  expect(last(f)).toMatchObject({ outcome: 'already-aborted' });
  expect(await deliverNotification(f, { generation: '12000' })).toBe(204);
  expect(last(f)).toMatchObject({ outcome: 'stale' });
  // A build is still canaried after an aborted model.
  const build = cloudBuild({
    id: 'build-9',
    results: { images: [{ name: `${REPO}:9`, digest: digest('9') }] },
  });
  expect(await f.post(cloudEventBinary(pubsubMessage(build)))).toBe(204);
  expect(last(f)).toMatchObject({ outcome: 'canary-started', buildId: 'build-9' });
});

it('a build’s canary runs the stable’s MODEL_PATH, not what an earlier model canary left', async () => {
  const f = await startCanaryFunction(cloud, MODEL_ENV, {
    env: [{ name: 'MODEL_PATH', value: START_MODEL }],
    canaryEnv: [{ name: 'MODEL_PATH', value: modelUri('999') }],
  });
  closers.push(() => f.close());
  const build = cloudBuild({
    id: 'build-5',
    results: { images: [{ name: `${REPO}:5`, digest: digest('5') }] },
  });
  expect(await f.post(cloudEventBinary(pubsubMessage(build)))).toBe(204);
  expect(last(f)).toMatchObject({ outcome: 'canary-started' });
  expect(f.canary().spec.template.spec.containers[0].image).toBe(`${REPO}@${digest('5')}`);
  expect(canaryModelPath(f)).toBe(START_MODEL);
  // A step event whose model is not a pinned model URI is malformed, acknowledged.
  const bad = cloudEventRequest(
    {
      type: STEP_EVENT_TYPE,
      source: STEP_EVENT_SOURCE,
      data: { buildId: 'build-5', step: 1, model: 'gs://maskops-models/x.onnx' },
    },
    CloudEventMode.STRUCTURED,
  );
  expect(await f.post(bad)).toBe(204);
  expect(last(f)).toMatchObject({ outcome: 'ignored', reason: 'MALFORMED', event: 'canary-step' });
});
