/**
 * A Prometheus classic histogram as the verdict takes it: upper bound (`le`, as
 * Prometheus prints it, `+Inf` included) → cumulative count. Counts may be fractional
 * (increase() extrapolates).
 */
export type Histogram = Readonly<Record<string, number>>;

interface Bin {
  /** Upper bound; the bin holds (previous bound, upper]. */
  readonly upper: number;
  readonly count: number;
}

function parseLe(le: string): number {
  if (le === '+Inf' || le === 'Inf' || le === '+inf') return Infinity;
  return Number(le);
}

/** Cumulative (bound, count) pairs, sorted, made monotonic as Prometheus does; no +Inf → none. */
function cumulative(h: Histogram): Bin[] {
  const pairs = Object.entries(h)
    .map(([le, count]) => ({ upper: parseLe(le), count }))
    .filter((b) => !Number.isNaN(b.upper) && Number.isFinite(b.count))
    .sort((a, b) => a.upper - b.upper);
  if (pairs.at(-1)?.upper !== Infinity) return [];
  let max = 0;
  return pairs.map((b) => {
    max = Math.max(max, b.count);
    return { upper: b.upper, count: max };
  });
}

/** Observations in the histogram (its +Inf count), 0 when it has none. */
export function total(h: Histogram): number {
  return cumulative(h).at(-1)?.count ?? 0;
}

/**
 * Both histograms as bin counts over the bounds they share. Two builds may export
 * different buckets (a release that adds some): a bound only one side has is merged
 * into the next shared one, so both are compared on the same bins.
 */
export function sharedBins(
  a: Histogram,
  b: Histogram,
): { a: number[]; b: number[]; bounds: number[] } {
  const ca = cumulative(a);
  const cb = cumulative(b);
  const inB = new Set(cb.map((x) => x.upper));
  const bounds = ca.map((x) => x.upper).filter((u) => inB.has(u));
  const at = (c: Bin[], u: number): number => c.find((x) => x.upper === u)?.count ?? 0;
  const diff = (c: Bin[]): number[] => {
    let prev = 0;
    return bounds.map((u) => {
      const v = at(c, u);
      const d = Math.max(0, v - prev);
      prev = Math.max(prev, v);
      return d;
    });
  };
  return { a: diff(ca), b: diff(cb), bounds };
}

/** Observations at or below `bound` (the bucket of that bound's cumulative count). */
export function atOrBelow(h: Histogram, bound: number): number {
  return cumulative(h).find((x) => x.upper === bound)?.count ?? 0;
}

/**
 * histogram_quantile's answer: linear interpolation inside the bucket that holds rank
 * q·total (from 0 for the first bucket), the highest finite bound for the +Inf bucket.
 * NaN without observations.
 */
export function quantile(h: Histogram, q: number): number {
  const c = cumulative(h);
  const n = c.at(-1)?.count ?? 0;
  if (c.length < 2 || n <= 0) return NaN;
  const rank = q * n;
  const i = c.findIndex((x) => x.count >= rank);
  if (i === c.length - 1) return c[c.length - 2]?.upper ?? NaN;
  const bin = c[i];
  if (i === 0) return bin.upper <= 0 ? bin.upper : bin.upper * (rank / bin.count);
  const prev = c[i - 1];
  const inBin = bin.count - prev.count;
  return inBin <= 0
    ? bin.upper
    : prev.upper + (bin.upper - prev.upper) * ((rank - prev.count) / inBin);
}

/** The mean from bucket midpoints (a fallback when the `_sum` series is missing). */
export function approximateMean(h: Histogram): number {
  const c = cumulative(h);
  let prevUpper = 0;
  let prevCount = 0;
  let sum = 0;
  for (const b of c) {
    const mid = Number.isFinite(b.upper) ? (prevUpper + b.upper) / 2 : prevUpper;
    sum += (b.count - prevCount) * mid;
    prevUpper = Number.isFinite(b.upper) ? b.upper : prevUpper;
    prevCount = b.count;
  }
  const n = prevCount;
  return n > 0 ? sum / n : NaN;
}
