import { atOrBelow, sharedBins, total } from './histogram';
import type { RankTest } from './mann-whitney';
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

/**
 * One test's result, rounded for the log line. It breaches when significant at this
 * look and beyond the tolerance; both are judged on the unrounded numbers.
 */
function result(r: Omit<TestResult, 'breach'>): TestResult {
  // Field by field: the log line's key order stays the same whoever built `r`.
  return {
    metric: r.metric,
    test: r.test,
    on: r.on,
    n: { canary: sig(r.n.canary), stable: sig(r.n.stable) },
    statistic: sig(r.statistic),
    p: sig(r.p),
    alpha: sig(r.alpha),
    effect: sig(r.effect),
    tolerance: r.tolerance,
    breach: r.p < r.alpha && r.effect > r.tolerance,
  };
}

/** What a rank test's result needs besides the test itself. */
interface RankJudgement {
  readonly metric: Metric;
  readonly on: string;
  /** One-sided (the canary is larger) or two-sided p from the rank test. */
  readonly side: (rank: RankTest) => number;
  readonly alpha: number;
  readonly effect: number;
  readonly tolerance: number;
}

/** Mann–Whitney U over two tracks' shared bins, as one result. */
function rankResult(bins: { a: number[]; b: number[] }, j: RankJudgement): TestResult {
  const rank = mannWhitney(bins.a, bins.b);
  return result({
    metric: j.metric,
    test: TestName.RANK,
    on: j.on,
    n: { canary: rank.n1, stable: rank.n2 },
    statistic: rank.z,
    p: j.side(rank),
    alpha: j.alpha,
    effect: j.effect,
    tolerance: j.tolerance,
  });
}

/** Server errors per request: higher on the canary, by more than `maxErrorDelta`. */
export function errorTest(c: TrackEvidence, s: TrackEvidence, alpha: number, t: Tolerances) {
  const r = rateTest({ events: c.errors, n: c.requests }, { events: s.errors, n: s.requests });
  return result({
    metric: Metric.ERROR_RATIO,
    test: TestName.RATE,
    on: 'errors',
    n: { canary: c.requests, stable: s.requests },
    statistic: r.events,
    p: r.p,
    alpha,
    effect: r.canaryRate - r.stableRate,
    tolerance: t.maxErrorDelta,
  });
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
  const judged = {
    metric: Metric.LATENCY,
    alpha: alpha / 2,
    effect: p95(c) / p95(s),
    tolerance: t.maxLatencyRatio,
  };
  const bins = sharedBins(c.latency, s.latency);
  const out = [rankResult(bins, { ...judged, on: 'latency', side: pGreater })];
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
      result({
        ...judged,
        test: TestName.RATE,
        on: `slow (> ${bound} s)`,
        n: { canary: nc, stable: ns },
        statistic: tail.events,
        p: tail.p,
      }),
    );
  }
  return out;
}

/** Instances per image, either way, relative to max(stable mean, 1). */
export function instancesTest(c: TrackEvidence, s: TrackEvidence, alpha: number, t: Tolerances) {
  const sm = meanInstances(s);
  return rankResult(sharedBins(c.instances, s.instances), {
    metric: Metric.BEHAVIOUR_SHIFT,
    on: 'instances per image',
    side: pShifted,
    alpha,
    effect: Math.abs(meanInstances(c) - sm) / Math.max(sm, 1),
    tolerance: t.maxBehaviourShift,
  });
}

/** Top score per image, either way, absolute. */
export function scoreTest(c: TrackEvidence, s: TrackEvidence, alpha: number, t: Tolerances) {
  return rankResult(sharedBins(c.topScore, s.topScore), {
    metric: Metric.SCORE_SHIFT,
    on: 'top score',
    side: pShifted,
    alpha,
    effect: Math.abs(meanTopScore(c) - meanTopScore(s)),
    tolerance: t.maxScoreShift,
  });
}
