/**
 * Test helpers: compare a prediction with the shapes that were painted.
 * Not a test file itself (no .test.ts), shared by the adapter and engine tests.
 */
import type { PaintedShape } from '@maskops/demo-model';
import type { Instance } from '../../src/inference/types';
import { decodeRle } from '../helpers/rle-eval';

export function iou(a: Uint8Array, b: Uint8Array): number {
  let inter = 0;
  let union = 0;
  for (let i = 0; i < a.length; i++) {
    if (a[i] && b[i]) inter++;
    if (a[i] || b[i]) union++;
  }
  return union === 0 ? 0 : inter / union;
}

interface ShapeMatch {
  shape: PaintedShape;
  instance: Instance | undefined;
  iou: number;
}

/** Pairs every painted shape with the instance whose mask overlaps it best. */
function matchShapes(
  shapes: readonly PaintedShape[],
  instances: readonly Instance[],
): ShapeMatch[] {
  const masks = instances.map((i) => decodeRle(i.mask));
  return shapes.map((shape) => {
    let best: ShapeMatch = { shape, instance: undefined, iou: 0 };
    masks.forEach((mask, k) => {
      const score = iou(mask, shape.mask);
      if (score > best.iou) best = { shape, instance: instances[k], iou: score };
    });
    return best;
  });
}

/**
 * What breaks the demo contract, or undefined: one instance per painted shape,
 * the right class and label, mask IoU ≥ 0.9 and a bbox within `tolerance` pixels.
 */
export function describeMismatch(
  shapes: readonly PaintedShape[],
  instances: readonly Instance[],
  tolerance = 2,
): string | undefined {
  const matches = matchShapes(shapes, instances);
  const problems: string[] = [];
  if (instances.length !== shapes.length) {
    problems.push(`${instances.length} instances for ${shapes.length} shapes`);
  }
  for (const { shape, instance, iou: overlap } of matches) {
    const where = `${shape.colour} ${shape.label} at ${shape.bbox.join(',')}`;
    if (instance === undefined) {
      problems.push(`${where}: not found`);
      continue;
    }
    if (instance.classId !== shape.classId || instance.label !== shape.label) {
      problems.push(`${where}: found as ${instance.classId} ${instance.label}`);
    }
    if (overlap < 0.9) problems.push(`${where}: IoU ${overlap.toFixed(3)}`);
    const off = Math.max(...instance.bbox.map((v, i) => Math.abs(v - shape.bbox[i]!)));
    if (off > tolerance) problems.push(`${where}: bbox ${instance.bbox.join(',')}`);
  }
  // Distinct shapes map to distinct instances.
  if (new Set(matches.map((m) => m.instance)).size !== shapes.length) {
    problems.push('two shapes matched the same instance');
  }
  return problems.length === 0 ? undefined : problems.join('; ');
}

/** Asserts the demo contract (describeMismatch finds nothing). */
export function expectShapesFound(
  shapes: readonly PaintedShape[],
  instances: readonly Instance[],
  tolerance = 2,
): void {
  expect(describeMismatch(shapes, instances, tolerance)).toBeUndefined();
}

/** The masks of shapes painted on a W×H image, as seen upright after EXIF orientation 6 (90° clockwise). */
export function rotateMaskCw(mask: Uint8Array, width: number, height: number): Uint8Array {
  const out = new Uint8Array(mask.length);
  const upW = height;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      out[x * upW + (height - 1 - y)] = mask[y * width + x]!;
    }
  }
  return out;
}
