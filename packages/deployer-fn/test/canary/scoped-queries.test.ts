import type { PrometheusServer } from '@maskops/localcloud';
import { startPrometheus } from '@maskops/localcloud';
import { readEvidence } from '../../src/canary/canary-figures';
import { prometheusClient } from '../../src/canary/prometheus-client';
import { canaryVerdict } from '../../src/canary/verdict';
import type { TrackBehaviour, TrackMetrics } from '../helpers/track-metrics';
import { startTrackMetrics } from '../helpers/track-metrics';
import { sleep } from '@maskops/shared';

jest.setTimeout(30_000);

const SCOPE = {
  project: 'my-project',
  location: 'us-central1-a',
  cluster: 'maskops',
  namespace: 'maskops',
};
const healthy = (build: string): TrackBehaviour => ({
  build,
  rps: 40,
  errorShare: 0,
  latencySeconds: 0.2,
  instancesPerImage: 2,
  topScore: 0.9,
});
// Another install's stable track: it finds nothing and fails half its requests.
const broken: TrackBehaviour = {
  build: 'other',
  rps: 400,
  errorShare: 0.5,
  latencySeconds: 5,
  instancesPerImage: 0,
  topScore: 0,
};

let prom: PrometheusServer;
const tracks: TrackMetrics[] = [];
const queries: Array<{ method: unknown; query: unknown }> = [];
beforeAll(async () => {
  prom = await startPrometheus({
    scrapeIntervalMs: 200,
    // What Managed Prometheus adds to every series of this cluster.
    targetLabels: { project_id: SCOPE.project, location: SCOPE.location, cluster: SCOPE.cluster },
    log: (e) => {
      if (e.event === 'query') queries.push({ method: e.method, query: e.query });
    },
  });
  const stable = await startTrackMetrics('stable', healthy('build-0'));
  const canary = await startTrackMetrics('canary', healthy('build-1'));
  const otherNamespace = await startTrackMetrics('stable', broken);
  const otherCluster = await startTrackMetrics('stable', broken);
  // A canary pod of the same build with another model (a model canary's leftover).
  const otherModel = await startTrackMetrics('canary', {
    ...broken,
    build: 'build-1',
    model: '777',
  });
  tracks.push(stable, canary, otherNamespace, otherCluster, otherModel);
  prom.setTargets([
    { url: stable.url, labels: { namespace: 'maskops' } },
    { url: canary.url, labels: { namespace: 'maskops' } },
    { url: otherNamespace.url, labels: { namespace: 'team-b' } },
    { url: otherCluster.url, labels: { namespace: 'maskops', cluster: 'other-cluster' } },
    { url: otherModel.url, labels: { namespace: 'maskops' } },
  ]);
  // Enough scrapes for increase() over the window.
  for (let i = 0; i < 4; i += 1) {
    await prom.scrapeNow();
    await sleep(250);
  }
});
afterAll(async () => {
  // The scraper first, so no scrape holds a track's connection open.
  await prom.close();
  await Promise.all(tracks.map((t) => t.close()));
});

it('the evidence and the verdict see only this install, through GET queries', async () => {
  const seen: string[] = [];
  const client = prometheusClient(prom.url, { getToken: () => Promise.resolve('token') });
  const spy = {
    query: (q: string, t?: number) => {
      seen.push(q);
      return client.query(q, t);
    },
  };
  const evidence = await readEvidence(spy, SCOPE, { build: 'build-1', model: '' }, 2);
  // Every query went out as a GET with URL parameters (the documented query method).
  expect(queries.map((q) => q.method)).toEqual(seen.map(() => 'GET'));
  expect(queries.map((q) => q.query)).toEqual(expect.arrayContaining(seen));
  for (const q of seen) {
    expect(q).toContain(
      'project_id="my-project",location="us-central1-a",cluster="maskops",namespace="maskops"',
    );
  }
  // Stable is this namespace's healthy track only: the other installs' failures are absent.
  expect(evidence.stable.requests).toBeGreaterThan(0);
  expect(evidence.stable.errors).toBe(0);
  expect(evidence.stable.instancesSum! / evidence.stable.instances['+Inf']).toBeCloseTo(2, 6);
  // The canary is its build without a model label: the other model's pod is not in it.
  expect(evidence.canary.requests).toBeGreaterThan(0);
  expect(evidence.canary.errors).toBe(0);
  const verdict = canaryVerdict(evidence, 30, {
    analysisSeconds: 180,
    intervalSeconds: 30,
    minRequests: 10,
    onInconclusive: 'promote',
    falseAbortRate: 0.02,
    catastropheMinRequests: 5,
    maxErrorDelta: 0.01,
    maxLatencyRatio: 1.5,
    maxBehaviourShift: 0.2,
    maxScoreShift: 0.1,
  });
  expect(verdict.decision).toBe('continue');
  expect(verdict.figures.stable).toMatchObject({ errors: 0, meanInstances: 2, meanTopScore: 0.9 });
});

it('the canary track is pinned to (build, model): the same build with another model is another canary', async () => {
  const client = prometheusClient(prom.url, { getToken: () => Promise.resolve('token') });
  const pinned = await readEvidence(client, SCOPE, { build: 'build-1', model: '777' }, 2);
  expect(pinned.canary.requests).toBeGreaterThan(0);
  expect(pinned.canary.errors / pinned.canary.requests).toBeGreaterThan(0.3);
  // A model canary on an image no build deployed is pinned to its model alone.
  const modelOnly = await readEvidence(client, SCOPE, { model: '777' }, 2);
  expect(modelOnly.canary.errors).toBeGreaterThan(0);
});

it('without the scope the other installs would have entered the verdict (the test can fail)', () => {
  const all = prom.query('sum(increase(maskops_predict_requests_total{track="stable"}[2s]))');
  const mine = prom.query(
    'sum(increase(maskops_predict_requests_total{track="stable",namespace="maskops",cluster="maskops"}[2s]))',
  );
  const value = (r: typeof all) => (r.resultType === 'vector' ? (r.samples[0]?.value ?? 0) : 0);
  expect(value(all)).toBeGreaterThan(5 * value(mine));
});

it('the stand-in answers GET with URL parameters, as the deployer asks', async () => {
  const res = await fetch(
    `${prom.url}/api/v1/query?${new URLSearchParams({ query: 'up{namespace="team-b"}' }).toString()}`,
  );
  expect(res.status).toBe(200);
  const body = (await res.json()) as {
    data: { result: Array<{ metric: Record<string, string> }> };
  };
  expect(body.data.result[0]?.metric).toMatchObject({
    project_id: 'my-project',
    location: 'us-central1-a',
    cluster: 'maskops',
    namespace: 'team-b',
  });
});
