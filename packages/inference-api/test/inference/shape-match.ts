/**
 * Test helpers: compare a prediction with the shapes that were painted.
 * Not a test file itself (no .test.ts), shared by the adapter and engine tests.
 */
import type { PaintedShape } from '../../src/demo-model/paint-shapes';
import type { Instance } from '../../src/inference/types';
import { decodeRle } from '../../src/masks';

export function iou(a: Uint8Array, b: Uint8Array): number {
  let inter = 0;
  let union = 0;
  for (let i = 0; i < a.length; i++) {
    if (a[i] && b[i]) inter++;
    if (a[i] || b[i]) union++;
  }
  return union === 0 ? 0 : inter / union;
}

export interface ShapeMatch {
  shape: PaintedShape;
  instance: Instance | undefined;
  iou: number;
}

/** Pairs every painted shape with the instance whose mask overlaps it best. */
export function matchShapes(
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
 * Asserts the demo contract: one instance per painted shape, the right class
 * and label, mask IoU ≥ 0.9 and a bbox within `tolerance` pixels.
 */
export function expectShapesFound(
  shapes: readonly PaintedShape[],
  instances: readonly Instance[],
  tolerance = 2,
): void {
  expect(instances).toHaveLength(shapes.length);
  const matches = matchShapes(shapes, instances);
  for (const { shape, instance, iou: overlap } of matches) {
    const where = `${shape.colour} ${shape.label} at ${shape.bbox.join(',')}`;
    expect({ where, found: instance !== undefined }).toEqual({ where, found: true });
    expect({ where, classId: instance!.classId, label: instance!.label }).toEqual({
      where,
      classId: shape.classId,
      label: shape.label,
    });
    expect({ where, iouAtLeast90: overlap >= 0.9, overlap }).toMatchObject({
      where,
      iouAtLeast90: true,
    });
    const off = instance!.bbox.map((v, i) => Math.abs(v - shape.bbox[i]!));
    expect({ where, bboxOff: Math.max(...off) <= tolerance, bbox: instance!.bbox }).toMatchObject({
      where,
      bboxOff: true,
    });
  }
  // Distinct shapes map to distinct instances.
  expect(new Set(matches.map((m) => m.instance)).size).toBe(shapes.length);
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
