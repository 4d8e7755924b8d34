// One simulated canary analysis: both tracks' request streams, their pods scraped
// into the Prometheus stand-in's store, and the deployer's own queries and verdict
// evaluated look by look as the state machine does (cumulative window since the
// canary became ready, one look per interval).
import { draws } from './draws.mjs';
import { PodMetrics } from './pod-metrics.mjs';

const T0 = 1_800_000_000_000;
const SCOPE = {
  project: 'bench-project',
  location: 'us-central1-a',
  cluster: 'maskops',
  namespace: 'maskops',
};
const BUILD = 'build-canary';

/** The healthy build of the issue: 0.2 % errors, log-normal latency, NB instances, top score 0.85 ± 0.1. */
export const HEALTHY = {
  errorRate: 0.002,
  latencyMedian: 1.5,
  latencySigma: 0.25,
  instancesMean: 6,
  instancesSize: 3,
  scoreMean: 0.85,
  scoreSd: 0.1,
  empty: false,
  /** A cold start: the pod's first `coldAnswers` answers take `coldFactor` times as long. */
  coldAnswers: 0,
  coldFactor: 1,
};

function answer(d, b) {
  const error = d.uniform() < b.errorRate;
  const seconds = d.logNormal(b.latencyMedian, b.latencySigma);
  const instances = b.empty ? 0 : d.negativeBinomial(b.instancesMean, b.instancesSize);
  const topScore =
    instances === 0 ? 0 : Math.min(1, Math.max(0.05, b.scoreMean + b.scoreSd * d.normal()));
  return { error, seconds, instances, topScore };
}

function stream(d, rate, fromS, toS, pods, behaviour) {
  const out = [];
  if (rate <= 0) return out;
  const served = new Map();
  for (let t = fromS + d.exponential(rate); t < toS; t += d.exponential(rate)) {
    const pod = pods[d.pick(pods.length)];
    const a = answer(d, behaviour);
    const n = (served.get(pod) ?? 0) + 1;
    served.set(pod, n);
    if (n <= behaviour.coldAnswers) a.seconds *= behaviour.coldFactor;
    out.push({ t, pod, answer: a });
  }
  return out;
}

/**
 * Runs one analysis; answers how it ended and when (elapsed seconds of the deciding look).
 * `o`: { uniform, rate, weight, stable, canary, settings, scrapeSeconds, stablePods,
 * historySeconds (stable's traffic before the canary), engine, api }.
 */
export async function simulateAnalysis(o) {
  const d = draws(o.uniform);
  const s = o.settings;
  const base = { ...SCOPE, project_id: SCOPE.project };
  delete base.project;
  const pod = (track, i, build) => new PodMetrics({ ...base, pod: `${track}-${i}`, track, build });
  const stablePods = Array.from({ length: o.stablePods }, (_, i) => pod('stable', i, 'build-0'));
  const canaryPods = [pod('canary', 0, BUILD)];
  const end = s.warmupSeconds + s.analysisSeconds + s.intervalSeconds;
  // Time 0 is `readyAt`, the first step that finds the canary ready: its pod became
  // ready, and began to serve, some time within the interval before.
  const canaryStart = -d.uniform() * s.intervalSeconds;
  const requests = [
    ...stream(d, o.rate * (1 - o.weight), -o.historySeconds, end, stablePods, o.stable),
    ...stream(d, o.rate * o.weight, canaryStart, end, canaryPods, o.canary),
  ].sort((a, b) => a.t - b.t);
  // Each pod is scraped every interval at its own phase; the canary's from its start.
  // No window reaches before the canary's start, so stable's earlier scrapes are left out.
  const scrapes = [];
  for (const [i, p] of [...stablePods, ...canaryPods].entries()) {
    const phase = d.uniform() * o.scrapeSeconds;
    const from = i < stablePods.length ? -o.scrapeSeconds : canaryStart;
    for (let t = from + phase; t < end; t += o.scrapeSeconds) scrapes.push({ t, p });
  }
  scrapes.sort((a, b) => a.t - b.t);
  const engine = o.engine();
  let next = 0;
  for (const sc of scrapes) {
    while (next < requests.length && requests[next].t <= sc.t) {
      const r = requests[next];
      r.pod.answer(r.answer);
      next += 1;
    }
    sc.p.scrape(engine, T0 + Math.round(sc.t * 1000));
  }
  const prom = {
    query: async (promql, time) => {
      const r = engine.query(promql, Math.round(time * 1000));
      return r.resultType === 'vector'
        ? r.samples.map((x) => ({ metric: x.labels, value: x.value }))
        : [];
    },
  };
  const pin = { build: BUILD, model: '' };
  for (let t = s.intervalSeconds; ; t += s.intervalSeconds) {
    const at = { readyAtSeconds: T0 / 1000, nowSeconds: T0 / 1000 + t };
    const { verdict: v } = await o.api.canaryLook(prom, SCOPE, pin, at, s);
    if (v.decision !== 'continue') {
      return {
        decision: v.decision,
        reason: v.decision === 'abort' ? v.reason : v.inconclusive ? 'INCONCLUSIVE' : '',
        test: v.figures.tests?.find((x) => x.breach)?.on,
        tests: v.figures.tests,
        // Seconds since the canary became ready, the warm-up included.
        elapsed: t,
        detail: v.detail,
      };
    }
  }
}
