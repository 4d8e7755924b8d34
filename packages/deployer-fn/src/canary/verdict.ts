import type { CanaryThresholds } from './canary-config';

/** One track's figures over the analysis window; NaN or undefined = no data. */
export interface TrackFigures {
  /** /predict answers that were not refusals (Retry-After). */
  readonly requests?: number;
  /** Of those, 5xx answers without Retry-After. */
  readonly errors?: number;
  readonly p95Seconds?: number;
  readonly meanInstances?: number;
  readonly meanTopScore?: number;
}

export interface Figures {
  readonly stable: TrackFigures;
  readonly canary: TrackFigures;
}

export const AbortReason = {
  ERROR_RATIO: 'ERROR_RATIO',
  LATENCY: 'LATENCY',
  BEHAVIOUR_SHIFT: 'BEHAVIOUR_SHIFT',
  SCORE_SHIFT: 'SCORE_SHIFT',
  INCONCLUSIVE: 'INCONCLUSIVE',
  NOT_READY: 'NOT_READY',
} as const;
export type AbortReason = (typeof AbortReason)[keyof typeof AbortReason];

export type Verdict =
  | { readonly decision: 'continue' }
  | { readonly decision: 'promote'; readonly inconclusive: boolean; readonly detail: string }
  | { readonly decision: 'abort'; readonly reason: AbortReason; readonly detail: string };

// Figures arrive as floats from PromQL; "exactly at the threshold" must not abort
// because 0.03 - 0.02 is 0.010000000000000002 in binary.
const EPSILON = 1e-9;

const known = (v: number | undefined): v is number => v !== undefined && Number.isFinite(v);

/** errors / requests, or undefined without requests. */
export function errorRatio(t: TrackFigures): number | undefined {
  if (!known(t.requests) || t.requests <= 0) return undefined;
  return known(t.errors) ? t.errors / t.requests : 0;
}

const round = (v: number): number => Math.round(v * 1e6) / 1e6;

/**
 * A canary this broken aborts before the minimum sample: at least
 * EARLY_ERROR_MIN_REQUESTS requests and more than half of them failed. Noise
 * cannot do that, and waiting for CANARY_MIN_REQUESTS would serve errors longer.
 */
const EARLY_ERROR_MIN_REQUESTS = 5;
const EARLY_ERROR_RATIO = 0.5;

/**
 * The canary verdict, a pure function of the figures so far. Until both tracks
 * have `minRequests` requests nothing is compared but an overwhelming canary
 * error ratio (above): a handful of requests differs by chance (a few images
 * with more shapes, one cold request), and an abort on that would be noise.
 * From then on any breach aborts at once; a comparison whose figures are
 * missing (NaN from an empty histogram) is skipped rather than guessed. Once
 * `elapsedSeconds` reaches the analysis length the build is promoted, unless a
 * track has fewer than `minRequests` requests: then the result is inconclusive
 * and `onInconclusive` decides (a quiet hour must not block every deploy,
 * unless asked to).
 */
export function canaryVerdict(
  figures: Figures,
  elapsedSeconds: number,
  t: CanaryThresholds,
): Verdict {
  const { stable, canary } = figures;
  const abort = (reason: AbortReason, detail: string): Verdict => ({
    decision: 'abort',
    reason,
    detail,
  });

  const inconclusive = (): Verdict => {
    const detail =
      `fewer than CANARY_MIN_REQUESTS=${t.minRequests} requests per track ` +
      `(stable ${count(stable.requests)}, canary ${count(canary.requests)})`;
    return t.onInconclusive === 'promote'
      ? { decision: 'promote', inconclusive: true, detail }
      : abort(AbortReason.INCONCLUSIVE, detail);
  };

  const se = errorRatio(stable);
  const ce = errorRatio(canary);
  const sampled = Math.min(count(stable.requests), count(canary.requests)) >= t.minRequests;
  if (!sampled) {
    const overwhelming =
      ce !== undefined &&
      count(canary.requests) >= EARLY_ERROR_MIN_REQUESTS &&
      ce > EARLY_ERROR_RATIO + EPSILON &&
      (se === undefined || ce - se > t.maxErrorDelta + EPSILON);
    if (overwhelming) {
      return abort(
        AbortReason.ERROR_RATIO,
        `canary error ratio ${round(ce)} over ${count(canary.requests)} requests` +
          ` (more than ${EARLY_ERROR_RATIO} before CANARY_MIN_REQUESTS=${t.minRequests})`,
      );
    }
    return elapsedSeconds < t.analysisSeconds ? { decision: 'continue' } : inconclusive();
  }
  if (ce !== undefined && se !== undefined && ce - se > t.maxErrorDelta + EPSILON) {
    return abort(
      AbortReason.ERROR_RATIO,
      `canary error ratio ${round(ce)} exceeds stable ${round(se)} by more than ${t.maxErrorDelta}`,
    );
  }
  if (known(canary.p95Seconds) && known(stable.p95Seconds) && stable.p95Seconds > 0) {
    if (canary.p95Seconds > t.maxLatencyRatio * stable.p95Seconds + EPSILON) {
      return abort(
        AbortReason.LATENCY,
        `canary p95 ${round(canary.p95Seconds)} s > ${t.maxLatencyRatio} × stable p95 ${round(stable.p95Seconds)} s`,
      );
    }
  }
  if (known(canary.meanInstances) && known(stable.meanInstances)) {
    const shift =
      Math.abs(canary.meanInstances - stable.meanInstances) / Math.max(stable.meanInstances, 1);
    if (shift > t.maxBehaviourShift + EPSILON) {
      return abort(
        AbortReason.BEHAVIOUR_SHIFT,
        `mean instances per image ${round(canary.meanInstances)} vs stable ${round(stable.meanInstances)} (shift ${round(shift)} > ${t.maxBehaviourShift})`,
      );
    }
  }
  if (known(canary.meanTopScore) && known(stable.meanTopScore)) {
    const shift = Math.abs(canary.meanTopScore - stable.meanTopScore);
    if (shift > t.maxScoreShift + EPSILON) {
      return abort(
        AbortReason.SCORE_SHIFT,
        `mean top score ${round(canary.meanTopScore)} vs stable ${round(stable.meanTopScore)} (shift ${round(shift)} > ${t.maxScoreShift})`,
      );
    }
  }
  if (elapsedSeconds < t.analysisSeconds) return { decision: 'continue' };
  return { decision: 'promote', inconclusive: false, detail: 'no threshold breached' };
}

function count(v: number | undefined): number {
  // increase() extrapolates, so counts come back fractional.
  return known(v) ? Math.round(v) : 0;
}
