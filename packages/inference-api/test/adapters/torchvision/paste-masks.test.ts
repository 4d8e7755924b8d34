import { thresholdRegion } from '../../../src/adapters/torchvision/float-region';
import { pasteTorchvisionMask } from '../../../src/adapters/torchvision/paste-masks';

describe('pasteTorchvisionMask (torchvision paste_masks_in_image)', () => {
  it('grows the box by (M+2)/M, truncates it to int and fills it from an all-ones mask', () => {
    const M = 28;
    const ones = new Float32Array(M * M).fill(1);
    // Box 10..38 × 20..48 (28 px): scale 30/28 → half 15, centre 24/34 → 9..39, 19..49.
    const region = pasteTorchvisionMask(ones, M, M, [10, 20, 38, 48], 100, 100)!;
    expect([region.left, region.top, region.width, region.height]).toEqual([9, 19, 31, 31]);
    const mask = thresholdRegion(region, { x0: 0, y0: 0, x1: 100, y1: 100 }, 1, 1, 100, 100)!;
    // The zero padding blends into the outermost ring: it falls below 0.5, the rest is inside.
    const row = Array.from(mask.data.subarray(15 * 31, 16 * 31));
    expect(row[0]).toBe(0);
    expect(row[15]).toBe(1);
    expect(row[30]).toBe(0);
    expect(row.filter((v) => v === 1).length).toBeGreaterThanOrEqual(27);
  });

  it('clips the box to the image and returns null when nothing of it is inside', () => {
    const mask = new Float32Array(4).fill(1);
    const clipped = pasteTorchvisionMask(mask, 2, 2, [-5, -5, 5, 5], 50, 50)!;
    expect([clipped.left, clipped.top]).toEqual([0, 0]);
    expect(pasteTorchvisionMask(mask, 2, 2, [60, 60, 70, 70], 50, 50)).toBeNull();
  });
});

describe('thresholdRegion', () => {
  it('maps probabilities onto a larger original image, keeping the shape', () => {
    // A 4×4 input whose left half is in the instance, reported on an 8×8 original.
    const data = Float32Array.from({ length: 16 }, (_, i) => (i % 4 < 2 ? 0.9 : 0.1));
    const src = { data, top: 0, left: 0, height: 4, width: 4, stride: 4 };
    const mask = thresholdRegion(src, { x0: 0, y0: 0, x1: 4, y1: 4 }, 2, 2, 8, 8)!;
    expect([mask.left, mask.top, mask.width, mask.height]).toEqual([0, 0, 8, 8]);
    for (let r = 0; r < 8; r++) {
      expect(Array.from(mask.data.subarray(r * 8, r * 8 + 8))).toEqual([1, 1, 1, 1, 0, 0, 0, 0]);
    }
  });
});
