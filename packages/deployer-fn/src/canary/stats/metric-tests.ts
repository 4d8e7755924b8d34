import { atOrBelow, sharedBins, total } from './histogram';
import { mannWhitney, pGreater, pShifted } from './mann-whitney';
import { rateTest } from './rate-test';
import type { TrackEvidence } from './track-evidence';
import { meanInstances, meanTopScore, p95 } from './track-evidence';

/** What each test judges; also the abort reason it gives. */
export const Metric = {
  ERROR_RATIO: 'ERROR_RATIO',
  LATENCY: 'LATENCY',
  BEHAVIOUR_SHIFT: 'BEHAVIOUR_SHIFT',
  SCORE_SHIFT: 'SCORE_SHIFT',
} as const;
export type Metric = (typeof Metric)[keyof typeof Metric];

export const TestName = {
  /** Exact conditional binomial test of two rates, one-sided. */
  RATE: 'rate',
  /** Mann–Whitney U on the shared histogram bins. */
  RANK: 'rank',
} as const;
export type TestName = (typeof TestName)[keyof typeof TestName];

/** One test at one look, in the verdict's log line and annotation. */
export interface TestResult {
  readonly metric: Metric;
  readonly test: TestName;
  /** What was compared, e.g. `errors`, `latency`, `slow (> 2.5 s)`. */
  readonly on: string;
  /** Canary's and stable's sample sizes (requests, or predictions with results). */
  readonly n: { readonly canary: number; readonly stable: number };
  /** z of the rank test; canary events of the rate test. */
  readonly statistic: number;
  readonly p: number;
  /** The p-value below which this look calls the difference significant. */
  readonly alpha: number;
  /** The size of the difference, in the tolerance's terms. */
  readonly effect: number;
  readonly tolerance: number;
  /** Significant and beyond the tolerance: the build is worse. */
  readonly breach: boolean;
}

export interface Tolerances {
  readonly maxErrorDelta: number;
  readonly maxLatencyRatio: number;
  readonly maxBehaviourShift: number;
  readonly maxScoreShift: number;
}

const sig = (x: number): number => (Number.isFinite(x) ? Number(x.toPrecision(4)) : x);

function result(r: Omit<TestResult, 'breach'>, beyond: boolean): TestResult {
  return {
    ...r,
    n: { canary: sig(r.n.canary), stable: sig(r.n.stable) },
    statistic: sig(r.statistic),
    p: sig(r.p),
    alpha: sig(r.alpha),
    effect: sig(r.effect),
    breach: r.p < r.alpha && beyond,
  };
}

/** Server errors per request: higher on the canary, by more than `maxErrorDelta`. */
export function errorTest(c: TrackEvidence, s: TrackEvidence, alpha: number, t: Tolerances) {
  const r = rateTest({ events: c.errors, n: c.requests }, { events: s.errors, n: s.requests });
  const delta = r.canaryRate - r.stableRate;
  return result(
    {
      metric: Metric.ERROR_RATIO,
      test: TestName.RATE,
      on: 'errors',
      n: { canary: c.requests, stable: s.requests },
      statistic: r.events,
      p: r.p,
      alpha,
      effect: delta,
      tolerance: t.maxErrorDelta,
    },
    delta > t.maxErrorDelta,
  );
}

/**
 * Latency, twice (each at half the metric's alpha): the rank test sees a slower
 * build, the tail test (share of answers above the pooled p95 bucket) a build whose
 * slow answers got slower. Either aborts only when the canary's p95 is more than
 * `maxLatencyRatio` times stable's.
 */
export function latencyTests(
  c: TrackEvidence,
  s: TrackEvidence,
  alpha: number,
  t: Tolerances,
): TestResult[] {
  const ratio = p95(c) / p95(s);
  const beyond = ratio > t.maxLatencyRatio;
  const bins = sharedBins(c.latency, s.latency);
  const rank = mannWhitney(bins.a, bins.b);
  const out = [
    result(
      {
        metric: Metric.LATENCY,
        test: TestName.RANK,
        on: 'latency',
        n: { canary: rank.n1, stable: rank.n2 },
        statistic: rank.z,
        p: pGreater(rank),
        alpha: alpha / 2,
        effect: ratio,
        tolerance: t.maxLatencyRatio,
      },
      beyond,
    ),
  ];
  // The pooled p95's bucket bound, chosen without the track labels: the test stays exact.
  const pooled = bins.a.map((a, i) => a + (bins.b[i] ?? 0));
  const all = pooled.reduce((x, y) => x + y, 0);
  let cum = 0;
  const i = pooled.findIndex((x) => (cum += x) >= 0.95 * all);
  const bound = bins.bounds[i];
  if (all > 0 && bound !== undefined && Number.isFinite(bound)) {
    const nc = total(c.latency);
    const ns = total(s.latency);
    const tail = rateTest(
      { events: nc - atOrBelow(c.latency, bound), n: nc },
      { events: ns - atOrBelow(s.latency, bound), n: ns },
    );
    out.push(
      result(
        {
          metric: Metric.LATENCY,
          test: TestName.RATE,
          on: `slow (> ${bound} s)`,
          n: { canary: nc, stable: ns },
          statistic: tail.events,
          p: tail.p,
          alpha: alpha / 2,
          effect: ratio,
          tolerance: t.maxLatencyRatio,
        },
        beyond,
      ),
    );
  }
  return out;
}

/** Instances per image, either way, relative to max(stable mean, 1). */
export function instancesTest(c: TrackEvidence, s: TrackEvidence, alpha: number, t: Tolerances) {
  const bins = sharedBins(c.instances, s.instances);
  const rank = mannWhitney(bins.a, bins.b);
  const sm = meanInstances(s);
  const shift = Math.abs(meanInstances(c) - sm) / Math.max(sm, 1);
  return result(
    {
      metric: Metric.BEHAVIOUR_SHIFT,
      test: TestName.RANK,
      on: 'instances per image',
      n: { canary: rank.n1, stable: rank.n2 },
      statistic: rank.z,
      p: pShifted(rank),
      alpha,
      effect: shift,
      tolerance: t.maxBehaviourShift,
    },
    shift > t.maxBehaviourShift,
  );
}

/** Top score per image, either way, absolute. */
export function scoreTest(c: TrackEvidence, s: TrackEvidence, alpha: number, t: Tolerances) {
  const bins = sharedBins(c.topScore, s.topScore);
  const rank = mannWhitney(bins.a, bins.b);
  const shift = Math.abs(meanTopScore(c) - meanTopScore(s));
  return result(
    {
      metric: Metric.SCORE_SHIFT,
      test: TestName.RANK,
      on: 'top score',
      n: { canary: rank.n1, stable: rank.n2 },
      statistic: rank.z,
      p: pShifted(rank),
      alpha,
      effect: shift,
      tolerance: t.maxScoreShift,
    },
    shift > t.maxScoreShift,
  );
}
