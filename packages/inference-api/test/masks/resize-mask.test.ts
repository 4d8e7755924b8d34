import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { resizeMaskToBox } from '../../src/masks/resize-mask';
import { regionToFullMask } from '../../src/masks/mask-region';
import { float32FromBase64, seededRandom, unpackBits } from './helpers';

interface GoldenCase {
  name: string;
  maskHeight: number;
  maskWidth: number;
  mask: string;
  outHeight: number;
  outWidth: number;
  bits: Record<string, string>;
}
// Written by fixtures/make-skimage-resize.py with real skimage 0.19.3 / scipy 1.10.
const golden = JSON.parse(
  readFileSync(join(__dirname, 'fixtures', 'skimage-resize.json'), 'utf8'),
) as { cases: GoldenCase[] };

function firstDifference(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return i;
  return a.length === b.length ? -1 : a.length;
}

describe('resizeMaskToBox (Matterport unmold_mask)', () => {
  describe.each(golden.cases.map((c) => [c.name, c] as const))('matches skimage: %s', (_, c) => {
    const mask = float32FromBase64(c.mask);
    it.each(Object.keys(c.bits))('threshold %s', (threshold) => {
      const expected = unpackBits(c.bits[threshold], c.outHeight * c.outWidth);
      const region = resizeMaskToBox(
        mask,
        c.maskHeight,
        c.maskWidth,
        0,
        0,
        c.outHeight,
        c.outWidth,
        c.outHeight,
        c.outWidth,
        Number(threshold),
      );
      const actual = regionToFullMask(region, c.outHeight, c.outWidth);
      expect(firstDifference(actual, expected)).toBe(-1);
    });

    it('gives the same pixels when the box sits inside a larger image', () => {
      const [top, left, imageH, imageW] = [7, 11, c.outHeight + 20, c.outWidth + 15];
      const region = resizeMaskToBox(
        mask,
        c.maskHeight,
        c.maskWidth,
        top,
        left,
        top + c.outHeight,
        left + c.outWidth,
        imageH,
        imageW,
      );
      const full = regionToFullMask(region, imageH, imageW);
      const expected = unpackBits(c.bits['0.5'], c.outHeight * c.outWidth);
      for (let y = 0; y < imageH; y++) {
        for (let x = 0; x < imageW; x++) {
          const inside = y >= top && y < top + c.outHeight && x >= left && x < left + c.outWidth;
          const want = inside ? expected[(y - top) * c.outWidth + (x - left)] : 0;
          if (full[y * imageW + x] !== want) throw new Error(`pixel ${y},${x} differs`);
        }
      }
    });
  });

  it('fills the whole box when every mask value is above the threshold (skimage clip=True)', () => {
    // Upsampled 28 → 100, the edge pixels blend 0.6 with the zero outside to
    // ≈ 0.38; clipping to the mask's own minimum lifts them back to 0.6.
    const mask = new Float32Array(28 * 28).fill(0.6);
    const region = resizeMaskToBox(mask, 28, 28, 2, 3, 102, 83, 120, 120);
    expect(region).toMatchObject({ top: 2, left: 3, height: 100, width: 80 });
    expect(region?.data.every((v) => v === 1)).toBe(true);
  });

  it('clips a box that reaches outside the image to the visible part', () => {
    const rand = seededRandom(7);
    const mask = Float32Array.from({ length: 28 * 28 }, () => rand());
    const inside = resizeMaskToBox(mask, 28, 28, 0, 0, 40, 60, 40, 60);
    const whole = regionToFullMask(inside, 40, 60);
    // Same box shifted so that 5 rows and 9 columns fall off the top-left.
    const clipped = resizeMaskToBox(mask, 28, 28, -5, -9, 35, 51, 30, 45);
    const part = regionToFullMask(clipped, 30, 45);
    for (let y = 0; y < 30; y++) {
      for (let x = 0; x < 45; x++) {
        expect(part[y * 45 + x]).toBe(whole[(y + 5) * 60 + (x + 9)]);
      }
    }
  });

  it('returns null for an empty box, a box off the image, or a mask below threshold', () => {
    const ones = new Float32Array(4).fill(1);
    expect(resizeMaskToBox(ones, 2, 2, 5, 5, 5, 9, 10, 10)).toBeNull();
    expect(resizeMaskToBox(ones, 2, 2, 12, 0, 15, 4, 10, 10)).toBeNull();
    expect(resizeMaskToBox(new Float32Array(4).fill(0.2), 2, 2, 0, 0, 4, 4, 10, 10)).toBeNull();
  });

  it('trims the region to the set pixels', () => {
    // Left half of a 2×2 mask set: upsampled ×4, columns 0..3 of 8 are ≥ 0.5.
    const mask = Float32Array.of(1, 0, 1, 0);
    const region = resizeMaskToBox(mask, 2, 2, 10, 20, 18, 28, 100, 100);
    expect(region).toMatchObject({ top: 10, left: 20, height: 8, width: 4 });
  });

  it('rejects a non-integer box', () => {
    expect(() => resizeMaskToBox(new Float32Array(4), 2, 2, 0.5, 0, 2, 2, 4, 4)).toThrow(
      expect.objectContaining({ code: 'INTERNAL' }),
    );
  });
});
