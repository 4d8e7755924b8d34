/**
 * The one place where a model's raw detections are judged before any mask work,
 * for every adapter: a model's outputs are input like any other. Each adapter
 * turns its output rows into candidates (box in original pixels, score, class
 * id) and pastes masks only for what `selectDetections` keeps.
 */

/** x0, y0, x1, y1 in pixels of the original image (x1, y1 exclusive). */
export type PixelBox = [x0: number, y0: number, x1: number, y1: number];

export interface Candidate {
  /** The row of the model's outputs: the adapter reads this detection's mask by it. */
  row: number;
  score: number;
  classId: number;
  box: PixelBox;
}

/** How the outputs of one run were cut down; counted in metrics and readiness. */
export interface OutputStats {
  /** Rows dropped because a box coordinate or the score was NaN or ±Infinity. */
  nonFinite: number;
  /** Rows dropped because the adapter cannot read them (Matterport: a class id with no mask channel). */
  invalid: number;
  /** Instances over MAX_INSTANCES left out (the lowest scores); 0 when nothing was cut. */
  truncated: number;
}

export interface Selection {
  /** Highest score first, boxes clipped to the image, at most `maxInstances`. */
  kept: Candidate[];
  stats: OutputStats;
}

export interface SelectOptions {
  width: number;
  height: number;
  minScore: number;
  /** MAX_INSTANCES: the answer's cap; the highest scores are kept. */
  maxInstances: number;
  /** Rows the adapter already refused (see OutputStats.invalid). */
  invalid?: number;
}

/**
 * Drops non-finite rows (counted whatever their score, so a warm-up at
 * min score 1 still sees them), keeps those scoring at least `minScore`, sorts
 * by score (stable: equal scores keep the model's order), keeps the first
 * `maxInstances` and clips their boxes to the image. Masks are pasted from the
 * model's own box; only the reported box is clipped.
 */
export function selectDetections(
  candidates: Iterable<Candidate>,
  options: SelectOptions,
): Selection {
  const { width, height, minScore, maxInstances } = options;
  let nonFinite = 0;
  const passing: Candidate[] = [];
  for (const c of candidates) {
    if (!Number.isFinite(c.score) || !c.box.every(Number.isFinite)) {
      nonFinite += 1;
      continue;
    }
    if (c.score >= minScore) passing.push(c);
  }
  passing.sort((a, b) => b.score - a.score);
  const truncated = Math.max(0, passing.length - maxInstances);
  const kept = passing
    .slice(0, maxInstances)
    .map((c) => ({ ...c, box: clipBox(c.box, width, height) }));
  return { kept, stats: { nonFinite, invalid: options.invalid ?? 0, truncated } };
}

function clipBox([x0, y0, x1, y1]: PixelBox, width: number, height: number): PixelBox {
  const clip = (v: number, max: number) => Math.min(max, Math.max(0, v));
  const cx0 = clip(x0, width);
  const cy0 = clip(y0, height);
  return [cx0, cy0, Math.max(cx0, clip(x1, width)), Math.max(cy0, clip(y1, height))];
}
