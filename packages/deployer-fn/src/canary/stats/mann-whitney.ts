import { normalUpper } from './distributions';

export interface RankTest {
  /** Mann–Whitney U of the first sample (ties count one half). */
  readonly u: number;
  /** Standardised U (0 when the samples cannot be told apart). */
  readonly z: number;
  /** P(first > second) + P(tie)/2, estimated: 0.5 = no shift. */
  readonly effect: number;
  readonly n1: number;
  readonly n2: number;
}

/**
 * The Mann–Whitney U test on two binned samples (counts per shared, ordered bin). All
 * observations in one bin are ties and share its mid-rank; the variance carries the
 * tie correction, so coarse bins make the test conservative, never wrong. The normal
 * approximation is used throughout (bins make exact tables impractical).
 */
export function mannWhitney(first: readonly number[], second: readonly number[]): RankTest {
  let n1 = 0;
  let n2 = 0;
  for (let i = 0; i < first.length; i += 1) {
    n1 += first[i] ?? 0;
    n2 += second[i] ?? 0;
  }
  const n = n1 + n2;
  if (n1 <= 0 || n2 <= 0) return { u: 0, z: 0, effect: 0.5, n1, n2 };
  let u = 0;
  let below = 0;
  let ties = 0;
  for (let i = 0; i < first.length; i += 1) {
    const a = first[i] ?? 0;
    const b = second[i] ?? 0;
    u += a * (below + b / 2);
    below += b;
    const t = a + b;
    ties += t * t * t - t;
  }
  const mean = (n1 * n2) / 2;
  const variance = ((n1 * n2) / 12) * (n + 1 - (n > 1 ? ties / (n * (n - 1)) : 0));
  const z = variance > 1e-12 ? (u - mean) / Math.sqrt(variance) : 0;
  return { u, z, effect: u / (n1 * n2), n1, n2 };
}

/** One-sided p-value: the first sample is stochastically larger. */
export const pGreater = (t: RankTest): number => normalUpper(t.z);
/** Two-sided p-value. */
export const pShifted = (t: RankTest): number => Math.min(1, 2 * normalUpper(Math.abs(t.z)));
