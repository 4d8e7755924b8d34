import type { OutputStats } from '../adapters/detections';

/** Predictions looked back over. */
const WINDOW = 20;
/** Fewer predictions than this say nothing yet. */
const MIN_SAMPLES = 5;
/** The share of the window with non-finite outputs at which the model is judged broken. */
const MAX_BAD_SHARE = 0.25;

/**
 * Whether the model's recent outputs can be trusted: when a quarter or more of
 * the last 20 predictions (at least 5 seen) held NaN or ±Infinity boxes or
 * scores, `problem` says so and /readyz answers 503 with it, so the pod leaves
 * the Service while its answers keep being sanitised. It recovers by itself
 * once clean predictions push the bad ones out of the window.
 */
export class OutputHealth {
  private readonly recent: boolean[] = [];

  record(stats: OutputStats): void {
    this.recent.push(stats.nonFinite > 0);
    if (this.recent.length > WINDOW) this.recent.shift();
  }

  /** Why the model is not trusted now; undefined while it is. */
  get problem(): string | undefined {
    if (this.recent.length < MIN_SAMPLES) return undefined;
    const bad = this.recent.filter(Boolean).length;
    if (bad / this.recent.length < MAX_BAD_SHARE) return undefined;
    return `the model gave non-finite boxes or scores in ${bad} of the last ${this.recent.length} predictions`;
  }
}
