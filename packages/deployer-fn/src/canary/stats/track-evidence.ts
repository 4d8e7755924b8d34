import type { Histogram } from './histogram';
import { approximateMean, quantile, total } from './histogram';

/**
 * One track's cumulative evidence since the canary became ready, as Prometheus
 * answers it (packages/deployer-fn/README.md, "Canary analysis"). Counts may be
 * fractional: increase() extrapolates.
 */
export interface TrackEvidence {
  /** /predict answers that were not refusals (Retry-After). */
  readonly requests: number;
  /** Of those, 5xx answers. */
  readonly errors: number;
  /** Durations of those answers, seconds (`maskops_predict_accepted_duration_seconds`). */
  readonly latency: Histogram;
  /** Instances per successful prediction (`maskops_predict_instances`). */
  readonly instances: Histogram;
  /** The instances histogram's `_sum`; its bucket midpoints stand in without it. */
  readonly instancesSum?: number;
  /** Top score per successful prediction, 0 when nothing was found (`maskops_predict_top_score`). */
  readonly topScore: Histogram;
  readonly topScoreSum?: number;
}

export interface CanaryEvidence {
  readonly stable: TrackEvidence;
  readonly canary: TrackEvidence;
}

function histogramSince(now: Histogram, base: Histogram): Histogram {
  const out: Record<string, number> = {};
  for (const [le, v] of Object.entries(now)) out[le] = Math.max(0, v - (base[le] ?? 0));
  return out;
}

/**
 * What a track's counters gained since `base` (the same counters read at an earlier
 * moment): the evidence of the time between. A count that went down means the pods
 * restarted and their counters began again, so `now` alone is the evidence since then.
 */
export function evidenceSince(now: TrackEvidence, base: TrackEvidence): TrackEvidence {
  if (now.requests < base.requests || total(now.latency) < total(base.latency)) return now;
  const sumSince = (a: number | undefined, b: number | undefined) =>
    a === undefined ? undefined : a - (b ?? 0);
  const instancesSum = sumSince(now.instancesSum, base.instancesSum);
  const topScoreSum = sumSince(now.topScoreSum, base.topScoreSum);
  return {
    requests: now.requests - base.requests,
    errors: Math.max(0, now.errors - base.errors),
    latency: histogramSince(now.latency, base.latency),
    instances: histogramSince(now.instances, base.instances),
    topScore: histogramSince(now.topScore, base.topScore),
    ...(instancesSum === undefined ? {} : { instancesSum }),
    ...(topScoreSum === undefined ? {} : { topScoreSum }),
  };
}

/** One track's headline figures (what a person reads first); NaN or null = no data. */
export interface TrackFigures {
  readonly requests?: number;
  readonly errors?: number;
  readonly p95Seconds?: number;
  readonly meanInstances?: number;
  readonly meanTopScore?: number;
}

const round = (v: number, digits = 4): number => {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
};

function mean(h: Histogram, sum: number | undefined): number {
  const n = total(h);
  if (n <= 0) return NaN;
  return sum !== undefined && Number.isFinite(sum) ? sum / n : approximateMean(h);
}

export const meanInstances = (t: TrackEvidence): number => mean(t.instances, t.instancesSum);
export const meanTopScore = (t: TrackEvidence): number => mean(t.topScore, t.topScoreSum);
export const p95 = (t: TrackEvidence): number => quantile(t.latency, 0.95);

export function trackFigures(t: TrackEvidence): TrackFigures {
  return {
    requests: round(t.requests, 1),
    errors: round(t.errors, 1),
    p95Seconds: round(p95(t)),
    meanInstances: round(meanInstances(t)),
    meanTopScore: round(meanTopScore(t)),
  };
}
