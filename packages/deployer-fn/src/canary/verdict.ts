import type { CanaryThresholds } from './canary-config';
import { lookAlpha } from './stats/alpha-spending';
import { catastropheTests } from './stats/catastrophe';
import type { TestResult } from './stats/metric-tests';
import { errorTest, instancesTest, latencyTests, Metric, scoreTest } from './stats/metric-tests';
import type { CanaryEvidence, TrackFigures } from './stats/track-evidence';
import { trackFigures } from './stats/track-evidence';

export type { CanaryEvidence, TrackEvidence, TrackFigures } from './stats/track-evidence';
export type { Histogram } from './stats/histogram';
export type { TestResult } from './stats/metric-tests';

/** What a step logs and records: both tracks' headline figures and every test of this look. */
export interface Figures {
  readonly stable: TrackFigures;
  readonly canary: TrackFigures;
  readonly tests?: readonly TestResult[];
}

export const AbortReason = {
  ...Metric,
  INCONCLUSIVE: 'INCONCLUSIVE',
  NOT_READY: 'NOT_READY',
} as const;
export type AbortReason = (typeof AbortReason)[keyof typeof AbortReason];

export type Verdict = { readonly figures: Figures } & (
  | { readonly decision: 'continue' }
  | { readonly decision: 'promote'; readonly inconclusive: boolean; readonly detail: string }
  | { readonly decision: 'abort'; readonly reason: AbortReason; readonly detail: string }
);

/** The settings the verdict reads (a subset of the canary configuration). */
export type VerdictSettings = Pick<
  CanaryThresholds,
  | 'analysisSeconds'
  | 'intervalSeconds'
  | 'minRequests'
  | 'onInconclusive'
  | 'falseAbortRate'
  | 'catastropheMinRequests'
  | 'maxErrorDelta'
  | 'maxLatencyRatio'
  | 'maxBehaviourShift'
  | 'maxScoreShift'
>;

/**
 * How the false-abort budget is shared. Errors get most: their test counts rare
 * events, and calling four errors in 180 requests significant takes the most room
 * (at half, +5 % errors at 10 req/s went undetected in 1.5 % of runs). The rank tests
 * see large samples, where a smaller alpha moves the threshold on z very little.
 */
const SHARE = { errors: 0.7, latency: 0.1, instances: 0.1, score: 0.1 } as const;

function explain(t: TestResult): string {
  return (
    `${t.on}: p=${t.p} < ${t.alpha} (canary n=${t.n.canary}, stable n=${t.n.stable}, ` +
    `statistic ${t.statistic}), effect ${t.effect} beyond ${t.tolerance}`
  );
}

/**
 * The canary verdict at one look, a pure function of both tracks' cumulative
 * evidence since the canary became ready (packages/deployer-fn/README.md, "Canary
 * analysis"). Catastrophes abort on a few answers; otherwise each metric is tested
 * at this look's share of the false-abort budget (`falseAbortRate`, spent over the
 * analysis), and aborts only when the difference is both significant and beyond its
 * tolerance. After `analysisSeconds` the build is promoted, unless a track has fewer
 * than `minRequests` requests: then `onInconclusive` decides.
 *
 * `previousElapsedSeconds` is the look before this one (default: one interval ago).
 */
export function canaryVerdict(
  evidence: CanaryEvidence,
  elapsedSeconds: number,
  t: VerdictSettings,
  previousElapsedSeconds = Math.max(0, elapsedSeconds - t.intervalSeconds),
): Verdict {
  const { stable: s, canary: c } = evidence;
  const look = lookAlpha(
    t.falseAbortRate,
    { elapsedSeconds, previousElapsedSeconds },
    t.analysisSeconds,
  );
  const tests = [
    ...catastropheTests(c, s, t.catastropheMinRequests),
    errorTest(c, s, look * SHARE.errors, t),
    ...latencyTests(c, s, look * SHARE.latency, t),
    instancesTest(c, s, look * SHARE.instances, t),
    scoreTest(c, s, look * SHARE.score, t),
  ];
  const judged = abortOnBreach(evidence, tests);
  if (judged.decision === 'abort' || elapsedSeconds < t.analysisSeconds) return judged;
  const { figures } = judged;

  const fewest = Math.min(count(s.requests), count(c.requests));
  if (fewest >= t.minRequests) {
    return {
      decision: 'promote',
      inconclusive: false,
      detail: 'no significant difference beyond its tolerance',
      figures,
    };
  }
  const detail =
    `fewer than CANARY_MIN_REQUESTS=${t.minRequests} requests per track ` +
    `(stable ${count(s.requests)}, canary ${count(c.requests)})`;
  return t.onInconclusive === 'promote'
    ? { decision: 'promote', inconclusive: true, detail, figures }
    : { decision: 'abort', reason: AbortReason.INCONCLUSIVE, detail, figures };
}

/**
 * The verdict during the warm-up (CANARY_WARMUP_SECONDS): only catastrophes are
 * judged, on the evidence since the canary became ready; the statistical tests wait
 * for the analysis, which leaves the warm-up's answers out.
 */
export function warmupVerdict(
  evidence: CanaryEvidence,
  t: Pick<VerdictSettings, 'catastropheMinRequests'>,
): Verdict {
  const { stable: s, canary: c } = evidence;
  return abortOnBreach(evidence, catastropheTests(c, s, t.catastropheMinRequests));
}

/** Both tracks' figures with this look's tests; an abort on the first that breaches. */
function abortOnBreach(evidence: CanaryEvidence, tests: TestResult[]): Verdict {
  const figures: Figures = {
    stable: trackFigures(evidence.stable),
    canary: trackFigures(evidence.canary),
    tests,
  };
  const breach = tests.find((x) => x.breach);
  return breach
    ? { decision: 'abort', reason: breach.metric, detail: explain(breach), figures }
    : { decision: 'continue', figures };
}

function count(v: number): number {
  // increase() extrapolates, so counts come back fractional.
  return Number.isFinite(v) ? Math.round(v) : 0;
}
