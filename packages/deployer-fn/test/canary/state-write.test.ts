/**
 * Canary-state writes against another writer of the same Deployment, through the
 * Kubernetes stand-in: its resourceVersion precondition answers 409 for real when
 * the other writer got in between our read and our patch.
 */
import type { LocalCloud } from '@maskops/localcloud';
import { cloudEventBinary, pubsubMessage, startLocalCloud } from '@maskops/localcloud';
import type { LogFields } from '@maskops/shared';
import { CanaryAnnotation, sleep } from '@maskops/shared';
import { cloudBuild, digest, REPO } from '../helpers/cloud';
import type { CanaryFn } from '../helpers/canary';
import { startCanaryFunction } from '../helpers/canary';
import { lastLog, useCloud } from '../helpers/suite';
import type { TrackBehaviour } from '../helpers/track-metrics';
import { startTrackMetrics } from '../helpers/track-metrics';

jest.setTimeout(60_000);

const suite = useCloud(() =>
  startLocalCloud({
    rolloutStepMs: 10,
    cloudTasks: { retry: { maxAttempts: 3, minBackoffMs: 100, maxBackoffMs: 500 } },
    prometheus: { scrapeIntervalMs: 200 },
  }),
);
const kube = (): LocalCloud['kube'] => suite.cloud.kube;
const path = (name: string) => `/apis/apps/v1/namespaces/default/deployments/${name}`;
const patches = (name: string) =>
  kube().requests.filter((r) => r.method === 'PATCH' && r.path === path(name));
const deliver = (f: CanaryFn, id: string, image = '1') =>
  f.post(
    cloudEventBinary(
      pubsubMessage(
        cloudBuild({ id, results: { images: [{ name: `${REPO}:1`, digest: digest(image) }] } }),
      ),
    ),
  );

/**
 * Another writer of `name` (a controller's status writes): while armed, every
 * PATCH of ours that arrives (the stand-in holds it `holdMs` before applying it)
 * is overtaken by a status write, so its resourceVersion is stale by then.
 */
function otherWriter(name: string, holdMs: number) {
  let armed = 0;
  let seen = patches(name).length;
  let writes = 0;
  let running = true;
  const loop = (async () => {
    while (running) {
      const arrived = patches(name).length;
      if (arrived > seen && armed > 0) {
        armed -= 1;
        writes += 1;
        const d = kube().getDeployment('default', name)!;
        kube().setDeploymentStatus('default', name, { ...d.status, collisionCount: writes });
      }
      seen = arrived;
      await sleep(5);
    }
  })();
  return {
    /** Overtake the next `n` patches. */
    arm(n: number) {
      seen = patches(name).length;
      armed = n;
      kube().injectFault({ method: 'PATCH', path: path(name), delayMs: holdMs, times: n });
    },
    disarm() {
      armed = 0;
      kube().clearFaults();
    },
    get writes() {
      return writes;
    },
    async close() {
      running = false;
      await loop;
    },
  };
}

async function until(f: CanaryFn, done: (l: LogFields) => boolean): Promise<LogFields> {
  for (let i = 0; i < 600; i++) {
    const found = f.logs.find(done);
    if (found) return found;
    await sleep(20);
  }
  throw new Error(`not reached; outcomes: ${f.logs.map((l) => String(l.outcome)).join(' ')}`);
}

it('a step outlasts six conflicting writes in a row: retried on fresh reads, not given up after 4', async () => {
  const f = suite.track(await startCanaryFunction(suite.cloud));
  // Never ready: step 1 only records itself (a compare-and-swap on the canary's state).
  kube().setRolloutMode('default', f.canaryName, 'hang');
  expect(await deliver(f, 'build-1')).toBe(204);
  const writer = otherWriter(f.canaryName, 300);
  const before = patches(f.canaryName).length;
  writer.arm(6);
  expect(await f.step('build-1', 1)).toBe(204);
  await writer.close();
  expect(lastLog(f)).toMatchObject({ outcome: 'canary-continue', step: 1, ready: false });
  expect(writer.writes).toBe(6);
  expect(
    patches(f.canaryName)
      .slice(before)
      .map((r) => r.status),
  ).toEqual([409, 409, 409, 409, 409, 409, 200]);
  expect(f.canary().metadata.annotations?.[CanaryAnnotation.STEP]).toBe('1');
  // The other writer's status survived: ours was a patch on a fresh read, not a replace.
  expect(f.canary().status).toMatchObject({ collisionCount: 6 });
});

it('a promotion whose state write lost the race until the step deadline is retried as promoting, never already-deployed', async () => {
  const good = (build: string): TrackBehaviour => ({
    build,
    rps: 40,
    errorShare: 0,
    latencySeconds: 0.2,
    instancesPerImage: 2,
    topScore: 0.9,
  });
  const stable = await startTrackMetrics('stable', good('build-0'));
  const canary = await startTrackMetrics('canary', good('build-r'));
  suite.track(stable);
  suite.track(canary);
  suite.cloud.prometheus!.setTargets([{ url: stable.url }, { url: canary.url }]);
  const f = suite.track(
    await startCanaryFunction(suite.cloud, {
      PROMETHEUS_QUERY_URL: suite.cloud.prometheus!.url,
      PROMETHEUS_SCRAPE_INTERVAL_SECONDS: '1',
      CANARY_INTERVAL_SECONDS: '1',
      CANARY_ANALYSIS_SECONDS: '2',
      CANARY_MIN_REQUESTS: '10',
    }),
  );
  const writer = otherWriter(f.canaryName, 100);
  // The promotion's patch of the stable Deployment is held a moment: once it has
  // arrived, every state write of that step is overtaken until the step gives up.
  kube().injectFault({ method: 'PATCH', path: path(f.name), delayMs: 300 });
  expect(await deliver(f, 'build-r')).toBe(204);
  while (patches(f.name).length === 0) await sleep(5);
  writer.arm(Infinity);
  const lost = await until(f, (l) => l.outcome === 'retry');
  writer.disarm();
  expect(lost).toMatchObject({ code: 'KUBE_CONFLICT' });
  // More than the old fixed 4: the step kept trying until its deadline (10 s at least).
  expect(writer.writes).toBeGreaterThan(4);
  // The stable Deployment got the build, its state did not say so: Cloud Tasks retries the step.
  expect(f.image()).toBe(`${REPO}@${digest('1')}`);

  const promoting = await until(f, (l) => l.outcome === 'canary-promoting');
  expect(promoting.message).toMatch(/earlier attempt of this step/);
  await until(f, (l) => l.outcome === 'deployed');
  const seq = f.logs.map((l) => l.outcome);
  expect(seq).not.toContain('already-deployed');
  expect(seq.indexOf('canary-promoting')).toBeGreaterThan(seq.indexOf('retry'));
  expect(f.canary().metadata.annotations?.[CanaryAnnotation.PHASE]).toBe('promoted');
  expect(f.canary().spec.replicas).toBe(0);
  await writer.close();
});
