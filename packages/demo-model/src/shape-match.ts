/**
 * The demo contract, checked one way for every engine that runs a demo model:
 * one instance per painted shape (paired by best mask IoU), the right class (and
 * label, when the engine names it), IoU ≥ 0.9, and a box within a tolerance.
 * Used by this package's ONNX tests and inference-api's engine tests.
 */
import type { PaintedShape } from './paint-shapes';

/** What an engine found, in the painter's terms. */
export interface FoundInstance {
  readonly classId: number;
  readonly label?: string;
  /** [x, y, width, height] in pixels, like `PaintedShape.bbox`. */
  readonly bbox: readonly number[];
  /** 0/1 per pixel of the image, row-major. */
  readonly mask: Uint8Array;
}

export const MIN_SHAPE_IOU = 0.9;

/** Intersection over union of two 0/1 masks of one size. */
export function maskIou(a: Uint8Array, b: Uint8Array): number {
  let inter = 0;
  let union = 0;
  for (let i = 0; i < a.length; i++) {
    if (a[i] && b[i]) inter++;
    if (a[i] || b[i]) union++;
  }
  return union === 0 ? 0 : inter / union;
}

/** What breaks the demo contract, or undefined; `tolerance` in pixels per box value. */
export function describeShapeMismatch(
  shapes: readonly PaintedShape[],
  found: readonly FoundInstance[],
  tolerance: number,
): string | undefined {
  const problems: string[] = [];
  if (found.length !== shapes.length) {
    problems.push(`${found.length} instances for ${shapes.length} shapes`);
  }
  const used = new Set<number>();
  for (const shape of shapes) {
    const where = `${shape.colour} ${shape.label} at ${shape.bbox.join(',')}`;
    let best = { index: -1, overlap: 0 };
    found.forEach((instance, i) => {
      const overlap = maskIou(instance.mask, shape.mask);
      if (overlap > best.overlap) best = { index: i, overlap };
    });
    const instance = found[best.index];
    if (instance === undefined) {
      problems.push(`${where}: not found`);
      continue;
    }
    used.add(best.index);
    const label = instance.label ?? shape.label;
    if (instance.classId !== shape.classId || label !== shape.label) {
      problems.push(`${where}: found as ${instance.classId} ${label}`);
    }
    if (best.overlap < MIN_SHAPE_IOU) problems.push(`${where}: IoU ${best.overlap.toFixed(3)}`);
    const off = Math.max(...instance.bbox.map((v, i) => Math.abs(v - shape.bbox[i])));
    if (off > tolerance) problems.push(`${where}: bbox ${instance.bbox.join(',')}`);
  }
  if (used.size !== shapes.length) problems.push('two shapes matched the same instance');
  return problems.length === 0 ? undefined : problems.join('; ');
}
