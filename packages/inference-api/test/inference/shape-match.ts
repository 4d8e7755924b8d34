/**
 * Test helpers: compare a prediction with the shapes that were painted.
 * Not a test file itself (no .test.ts), shared by the adapter and engine tests.
 */
import type { PaintedShape } from '@maskops/demo-model';
import { describeShapeMismatch } from '@maskops/demo-model';
import type { Instance } from '../../src/inference/types';
import { decodeRle } from '../helpers/rle-eval';

/**
 * What breaks the demo contract, or undefined (`describeShapeMismatch` of
 * @maskops/demo-model on the decoded masks): bbox within `tolerance` pixels.
 */
export function describeMismatch(
  shapes: readonly PaintedShape[],
  instances: readonly Instance[],
  tolerance = 2,
): string | undefined {
  const found = instances.map((i) => ({ ...i, mask: decodeRle(i.mask) }));
  return describeShapeMismatch(shapes, found, tolerance);
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
