import type { LocalCloud } from '@maskops/localcloud';
import { cloudEventBinary, pubsubMessage, startLocalCloud } from '@maskops/localcloud';
import type { LogFields } from '@maskops/shared';
import { CanaryAnnotation } from '@maskops/shared';
import { Annotation } from '@maskops/shared';
import { cloudBuild, digest, OLD_IMAGE, REPO } from '../helpers/cloud';
import type { CanaryFn } from '../helpers/canary';
import { startCanaryFunction } from '../helpers/canary';
import type { TrackBehaviour, TrackMetrics } from '../helpers/track-metrics';
import { startTrackMetrics } from '../helpers/track-metrics';
import { sleep } from '@maskops/shared';

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

const good = (build: string): TrackBehaviour => ({
  build,
  rps: 40,
  errorShare: 0,
  latencySeconds: 0.2,
  instancesPerImage: 2,
  topScore: 0.9,
});

async function setup(
  build: string,
  env: Record<string, string>,
): Promise<{ f: CanaryFn; stable: TrackMetrics; canary: TrackMetrics }> {
  const stable = await startTrackMetrics('stable', good('build-0'));
  const canary = await startTrackMetrics('canary', good(build));
  // The deployer's NAMESPACE (default); localcloud adds project_id, location and cluster.
  const labels = { namespace: 'default' };
  cloud.prometheus!.setTargets([
    { url: stable.url, labels },
    { url: canary.url, labels },
  ]);
  const f = await startCanaryFunction(cloud, {
    PROMETHEUS_QUERY_URL: cloud.prometheus!.url,
    PROMETHEUS_SCRAPE_INTERVAL_SECONDS: '1',
    CANARY_INTERVAL_SECONDS: '1',
    CANARY_MIN_REQUESTS: '10',
    ...env,
  });
  closers.push(
    () => f.close(),
    () => stable.close(),
    () => canary.close(),
  );
  return { f, stable, canary };
}

async function until(f: CanaryFn, done: (l: LogFields) => boolean): Promise<LogFields> {
  for (let i = 0; i < 400; i++) {
    const found = f.logs.find(done);
    if (found) return found;
    await sleep(50);
  }
  throw new Error(`not reached; outcomes: ${f.logs.map((l) => String(l.outcome)).join(' ')}`);
}

const deliver = (f: CanaryFn, id: string) =>
  f.post(
    cloudEventBinary(
      pubsubMessage(
        cloudBuild({ id, results: { images: [{ name: `${REPO}:1`, digest: digest('1') }] } }),
      ),
    ),
  );
const outcomes = (f: CanaryFn) => f.logs.map((l) => l.outcome);

it('promote: steps every interval through Cloud Tasks, then the stable rollout, then the canary to 0', async () => {
  const { f } = await setup('build-p', { CANARY_ANALYSIS_SECONDS: '3' });
  expect(await deliver(f, 'build-p')).toBe(204);
  await until(f, (l) => l.outcome === 'deployed');
  const seq = outcomes(f);
  expect(seq[0]).toBe('canary-started');
  expect(seq.filter((o) => o === 'canary-continue').length).toBeGreaterThanOrEqual(2);
  const promoting = seq.indexOf('canary-promoting');
  expect(promoting).toBeGreaterThan(0);
  expect(seq.indexOf('deployed')).toBeGreaterThan(promoting);
  // Every analysing step logged both tracks' figures in its one line.
  const analysed = f.logs.filter((l) => l.ready === true || l.outcome === 'canary-promoting');
  for (const l of analysed) {
    expect(l.figures).toMatchObject({
      stable: { requests: expect.any(Number), meanInstances: expect.any(Number) },
      canary: { requests: expect.any(Number), meanTopScore: expect.any(Number) },
    });
  }
  const last = analysed[analysed.length - 1].figures as { canary: { meanInstances: number } };
  expect(last.canary.meanInstances).toBeCloseTo(2, 1);
  expect(f.image()).toBe(`${REPO}@${digest('1')}`);
  const stableNotes = f.deployment().metadata.annotations!;
  expect(stableNotes[Annotation.BUILD_ID]).toBe('build-p');
  expect(stableNotes[Annotation.PREVIOUS_IMAGE]).toBe(OLD_IMAGE);
  expect(f.canary().spec.replicas).toBe(0);
  expect(f.canary().metadata.annotations?.[CanaryAnnotation.PHASE]).toBe('promoted');
  // A redelivery of the promoted build changes nothing.
  expect(await deliver(f, 'build-p')).toBe(204);
  expect(f.logs[f.logs.length - 1]).toMatchObject({ outcome: 'already-deployed' });
});

it('abort: the canary starts to find nothing between steps and is aborted; stable keeps serving', async () => {
  const { f, canary } = await setup('build-a', { CANARY_ANALYSIS_SECONDS: '60' });
  expect(await deliver(f, 'build-a')).toBe(204);
  await until(f, (l) => l.outcome === 'canary-continue' && l.ready === true);
  canary.behaviour = { ...good('build-a'), instancesPerImage: 0, topScore: 0 };
  const aborted = await until(f, (l) => l.outcome === 'canary-aborted');
  expect(aborted).toMatchObject({ severity: 'ERROR', buildId: 'build-a' });
  expect(['BEHAVIOUR_SHIFT', 'SCORE_SHIFT']).toContain(aborted.abortReason);
  expect(f.image()).toBe(OLD_IMAGE);
  expect(f.canary().spec.replicas).toBe(0);
  const stableNotes = f.deployment().metadata.annotations!;
  expect(stableNotes[Annotation.FINISH_TIME]).toBeUndefined();
  const record = JSON.parse(stableNotes[CanaryAnnotation.ABORTED]);
  expect(record).toMatchObject({ build: 'build-a', figures: { stable: {}, canary: {} } });
  // The record explains itself: the breaching test with its statistic, p-value and samples.
  const { figures } = record as { figures: { tests: Array<Record<string, unknown>> } };
  const breach = figures.tests.find((t) => t.breach);
  expect(breach).toMatchObject({
    metric: aborted.abortReason,
    statistic: expect.any(Number),
    p: expect.any(Number),
    alpha: expect.any(Number),
    n: { canary: expect.any(Number), stable: expect.any(Number) },
  });
  expect(outcomes(f)).not.toContain('canary-promoting');
  expect(await deliver(f, 'build-a')).toBe(204);
  expect(f.logs[f.logs.length - 1]).toMatchObject({ outcome: 'already-aborted' });
});

describe('warm-up (CANARY_WARMUP_SECONDS)', () => {
  // A fresh canary answers 10x slower until its first ready step, then as fast as stable:
  // the cold start of a process, not a slower build.
  async function coldStart(env: Record<string, string>): Promise<CanaryFn> {
    const { f, canary } = await setup('build-w', { CANARY_ANALYSIS_SECONDS: '3', ...env });
    canary.behaviour = { ...good('build-w'), latencySeconds: 2 };
    expect(await deliver(f, 'build-w')).toBe(204);
    await until(f, (l) => l.ready === true || l.outcome === 'canary-aborted');
    canary.behaviour = good('build-w');
    await until(f, (l) => l.outcome === 'deployed' || l.outcome === 'canary-aborted');
    return f;
  }

  it('without it, the slow first answers count and abort the build on latency', async () => {
    const f = await coldStart({});
    expect(f.logs.find((l) => l.outcome === 'canary-aborted')).toMatchObject({
      abortReason: 'LATENCY',
    });
    expect(f.logs.some((l) => 'warmingUp' in l)).toBe(false);
  });

  it('with it, they are left out: only catastrophes are judged meanwhile, then the build is promoted', async () => {
    const f = await coldStart({ CANARY_WARMUP_SECONDS: '3' });
    expect(outcomes(f)).not.toContain('canary-aborted');
    expect(outcomes(f)).toContain('canary-promoting');
    const warming = f.logs.filter((l) => l.warmingUp === true);
    expect(warming.length).toBeGreaterThanOrEqual(1);
    // A warm-up step runs the catastrophe tests only, with the slow answers in view.
    for (const l of warming) {
      const { tests } = l.figures as { tests: Array<{ test: string; on: string }> };
      expect(tests.every((t) => t.on.startsWith('catastrophe'))).toBe(true);
      expect(l).toMatchObject({ elapsedSeconds: 0 });
      expect(String(l.message)).toMatch(/warming up \(\d+ of 3 s\), no catastrophe/);
    }
    // The analysis saw only the warm answers: canary p95 within stable's bucket.
    const promoting = f.logs.find((l) => l.outcome === 'canary-promoting')!;
    const { canary, stable } = promoting.figures as { [k: string]: { p95Seconds: number } };
    expect(canary.p95Seconds).toBeLessThanOrEqual(0.25);
    expect(stable.p95Seconds).toBeLessThanOrEqual(0.25);
    expect(f.image()).toBe(`${REPO}@${digest('1')}`);
  });

  it('a catastrophe during the warm-up still aborts at once', async () => {
    const { f, canary } = await setup('build-c', {
      CANARY_ANALYSIS_SECONDS: '60',
      CANARY_WARMUP_SECONDS: '60',
    });
    canary.behaviour = { ...good('build-c'), instancesPerImage: 0, topScore: 0 };
    expect(await deliver(f, 'build-c')).toBe(204);
    const aborted = await until(f, (l) => l.outcome === 'canary-aborted');
    expect(aborted).toMatchObject({ abortReason: 'BEHAVIOUR_SHIFT' });
    expect(String(aborted.message)).toContain('catastrophe: nothing found');
    expect(f.logs.some((l) => l.warmingUp === false)).toBe(false);
    expect(f.image()).toBe(OLD_IMAGE);
  });
});
