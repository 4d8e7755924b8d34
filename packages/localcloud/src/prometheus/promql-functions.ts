/**
 * Prometheus's arithmetic for `rate`/`increase` and `histogram_quantile` on classic
 * histograms, written after promql/functions.go (`extrapolatedRate`) and
 * promql/quantile.go (`bucketQuantile`).
 */

/**
 * Increase (or per-second rate) of a counter over the range (rangeStart, rangeEnd] from the
 * samples inside it: resets add the value before the drop; the result is extrapolated to
 * the range boundaries when the first/last sample is within 110% of the average sample
 * spacing of them, else by half a spacing, and never below the counter's zero point.
 * Undefined with fewer than two samples (no output element).
 */
export function extrapolatedRate(
  ts: readonly number[],
  vs: readonly number[],
  rangeStartMs: number,
  rangeEndMs: number,
  isRate: boolean,
): number | undefined {
  const n = ts.length;
  if (n < 2) return undefined;
  const firstT = ts[0];
  const lastT = ts[n - 1];
  const first = vs[0];
  let result = vs[n - 1] - first;
  for (let i = 1; i < n; i += 1) {
    const prev = vs[i - 1];
    if (vs[i] < prev) result += prev;
  }
  let durationToStart = (firstT - rangeStartMs) / 1000;
  let durationToEnd = (rangeEndMs - lastT) / 1000;
  const sampledInterval = (lastT - firstT) / 1000;
  const averageBetween = sampledInterval / (n - 1);
  const threshold = averageBetween * 1.1;
  if (durationToStart >= threshold) durationToStart = averageBetween / 2;
  // A counter is never negative: do not extrapolate past the time it would have been 0.
  if (result > 0 && first >= 0) {
    const durationToZero = sampledInterval * (first / result);
    if (durationToZero < durationToStart) durationToStart = durationToZero;
  }
  if (durationToEnd >= threshold) durationToEnd = averageBetween / 2;
  let factor = (sampledInterval + durationToStart + durationToEnd) / sampledInterval;
  if (isRate) factor /= (rangeEndMs - rangeStartMs) / 1000;
  return result * factor;
}

export interface Bucket {
  upperBound: number;
  count: number;
}

/**
 * The q-quantile of classic histogram buckets (cumulative counts by `le`): linear
 * interpolation inside the bucket holding rank q·total, from 0 for the first bucket
 * when its bound is positive (else that bound); a rank in the +Inf bucket answers the
 * highest finite bound. NaN without a +Inf bucket, with fewer than two buckets, with no
 * observations, or for q = NaN; -Inf for q < 0, +Inf for q > 1. Bucket counts are made
 * monotonic first, as Prometheus does.
 */
export function bucketQuantile(q: number, input: readonly Bucket[]): number {
  if (Number.isNaN(q)) return NaN;
  if (q < 0) return -Infinity;
  if (q > 1) return Infinity;
  const sorted = [...input].sort((a, b) => a.upperBound - b.upperBound);
  if (sorted.length === 0 || sorted.at(-1)?.upperBound !== Infinity) return NaN;
  const buckets: Bucket[] = [];
  for (const b of sorted) {
    const last = buckets.at(-1);
    if (last && last.upperBound === b.upperBound) last.count += b.count;
    else buckets.push({ ...b });
  }
  correctPrecision(buckets, 1e-12);
  let max = buckets[0]?.count ?? 0;
  for (const b of buckets) {
    if (b.count > max) max = b.count;
    else b.count = max;
  }
  if (buckets.length < 2) return NaN;
  const observations = (buckets.at(-1) as Bucket).count;
  if (observations === 0) return NaN;
  let rank = q * observations;
  let b = buckets.findIndex((x, i) => i < buckets.length - 1 && x.count >= rank);
  if (b < 0) b = buckets.length - 1;
  if (b === buckets.length - 1) return buckets[buckets.length - 2].upperBound;
  const bucket = buckets[b];
  if (b === 0 && bucket.upperBound <= 0) return bucket.upperBound;
  let start = 0;
  let count = bucket.count;
  if (b > 0) {
    const prev = buckets[b - 1];
    start = prev.upperBound;
    count -= prev.count;
    rank -= prev.count;
  }
  return start + (bucket.upperBound - start) * (rank / count);
}

/** Float noise from summing rates can make counts dip by a hair; flatten such dips. */
function correctPrecision(buckets: Bucket[], tolerance: number): void {
  let prev = buckets[0]?.count ?? 0;
  for (let i = 1; i < buckets.length; i += 1) {
    const b = buckets[i];
    const delta = Math.abs(b.count - prev);
    if (delta === 0) continue;
    if (delta / b.count <= tolerance) b.count = prev;
    else prev = b.count;
  }
}
