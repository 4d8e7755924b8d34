import {
  emptyRle,
  encodeMaskRegion,
  encodeRle,
  encodeRleRegion,
  rleToBbox,
} from '../../src/masks/rle';
import { countsFromString, countsToString, RleFormatError } from '../../src/masks/rle-codec';
import { decodeRle, maskIou, rleArea } from '../helpers/rle-eval';
import { randomInt, randomMask, seededRandom } from './helpers';

/**
 * An independent transcription of pycocotools' rleToString on BigInt (the C
 * code works on 64-bit `long`), to check the Number arithmetic of the real one.
 */
function referenceString(counts: readonly number[]): string {
  let s = '';
  counts.forEach((count, i) => {
    let x = BigInt(count) - (i > 2 ? BigInt(counts[i - 2]) : 0n);
    let more = true;
    while (more) {
      let c = Number(x & 0x1fn);
      x >>= 5n;
      more = (c & 0x10) !== 0 ? x !== -1n : x !== 0n;
      if (more) c |= 0x20;
      s += String.fromCharCode(c + 48);
    }
  });
  return s;
}

/** Naive pycocotools `encode`: transpose to column-major, then count runs. */
function referenceCounts(mask: Uint8Array, h: number, w: number): number[] {
  const counts: number[] = [];
  let value = 0;
  let run = 0;
  for (let x = 0; x < w; x++) {
    for (let y = 0; y < h; y++) {
      const v = mask[y * w + x] ? 1 : 0;
      if (v !== value) {
        counts.push(run);
        run = 0;
        value = v;
      }
      run++;
    }
  }
  counts.push(run);
  return counts;
}

function fullMaskOfRegion(
  region: Uint8Array,
  top: number,
  left: number,
  rh: number,
  rw: number,
  h: number,
  w: number,
): Uint8Array {
  const full = new Uint8Array(h * w);
  for (let r = 0; r < rh; r++) {
    for (let c = 0; c < rw; c++) {
      const y = top + r;
      const x = left + c;
      if (y >= 0 && y < h && x >= 0 && x < w) full[y * w + x] = region[r * rw + c];
    }
  }
  return full;
}

describe('COCO RLE known vectors (derived by hand from pycocotools maskApi.c)', () => {
  it('2×2 zeros: one zero run of 4 → "4"', () => {
    // counts [4]; 4 < 16 fits one 5-bit group without the sign bit: chr(4 + 48) = "4".
    expect(encodeRle(new Uint8Array(4), 2, 2)).toEqual({ size: [2, 2], counts: '4' });
  });

  it('2×2 ones: an empty zero run, then 4 ones → "04"', () => {
    expect(encodeRle(Uint8Array.of(1, 1, 1, 1), 2, 2)).toEqual({ size: [2, 2], counts: '04' });
  });

  it('3×3 identity → "013000"', () => {
    // Column-major pixels: 1,0,0 | 0,1,0 | 0,0,1 → runs [0,1,3,1,3,1].
    // i=0..2 are written as is: "0","1","3". From i=3 each count is written as
    // the difference to counts[i-2]: 1-1=0, 3-3=0, 1-1=0 → "0","0","0".
    const mask = Uint8Array.of(1, 0, 0, 0, 1, 0, 0, 0, 1);
    expect(encodeRle(mask, 3, 3).counts).toBe('013000');
    expect(countsFromString('013000')).toEqual([0, 1, 3, 1, 3, 1]);
  });

  it('runs are column-major: 2×3 with a full top row → "0110000"', () => {
    // Rows [1,1,1],[0,0,0]; columns read 1,0 | 1,0 | 1,0 → runs [0,1,1,1,1,1,1];
    // from i=3 every delta is 0.
    expect(encodeRle(Uint8Array.of(1, 1, 1, 0, 0, 0), 2, 3).counts).toBe('0110000');
  });

  it('empty 0×0 image → "0" (pycocotools emits the initial empty run)', () => {
    const rle = encodeRle(new Uint8Array(0), 0, 0);
    expect(rle).toEqual({ size: [0, 0], counts: '0' });
    expect(decodeRle(rle)).toEqual(new Uint8Array(0));
    expect(rleArea(rle)).toBe(0);
    expect(rleToBbox(rle)).toEqual([0, 0, 0, 0]);
    expect(encodeRleRegion(new Uint8Array(0), 0, 0, 0, 0, 0, 0).counts).toBe('0');
  });

  it('1×N and N×1 masks give the same runs (one row = one column per pixel)', () => {
    // Pixels 0,1,1,0,1 → runs [1,2,1,1]; i=3: 1-2 = -1 → group 0x1f (sign bit set,
    // rest is all ones) → chr(31 + 48) = "O".
    const pixels = Uint8Array.of(0, 1, 1, 0, 1);
    expect(encodeRle(pixels, 1, 5)).toEqual({ size: [1, 5], counts: '121O' });
    expect(encodeRle(pixels, 5, 1)).toEqual({ size: [5, 1], counts: '121O' });
    expect(decodeRle({ size: [1, 5], counts: '121O' })).toEqual(pixels);
    expect(decodeRle({ size: [5, 1], counts: '121O' })).toEqual(pixels);
  });

  it('multi-group and negative counts', () => {
    // 16 = 0b10000: the low group has bit 0x10 set, which would read as a sign,
    // so a second (zero) group follows: (16|0x20)+48 = "`", then "0".
    expect(countsToString([16])).toBe('`0');
    // 1000 = 8 + 31·32: "X" (8|0x20), "o" (31|0x20, sign bit set so continue), "0".
    expect(countsToString([1000])).toBe('Xo0');
    // counts [0,10,3,2]: i=3 → 2-10 = -8 → group 24 with sign, x becomes -1 → "H".
    expect(countsToString([0, 10, 3, 2])).toBe('0:3H');
    expect(countsFromString('0:3H')).toEqual([0, 10, 3, 2]);
    expect(countsFromString('Xo0')).toEqual([1000]);
  });

  it('round-trips runs of 2^31 and more without 32-bit wrap-around', () => {
    const big = [2 ** 31, 2 ** 33 + 5, 3, 2 ** 40, 7, 1, 2 ** 52 - 1, 0, 2 ** 31 - 1];
    const s = countsToString(big);
    expect(s).toBe(referenceString(big));
    expect(countsFromString(s)).toEqual(big);
    // Large negative deltas: 1 - 2^35 at i=3.
    const down = [0, 2 ** 35, 7, 1];
    expect(countsToString(down)).toBe(referenceString(down));
    expect(countsFromString(countsToString(down))).toEqual(down);
  });

  it('emptyRle equals the encoding of an all-zero mask', () => {
    expect(emptyRle(7, 9)).toEqual(encodeRle(new Uint8Array(63), 7, 9));
    expect(encodeMaskRegion(null, 7, 9)).toEqual(emptyRle(7, 9));
  });
});

describe('COCO RLE on random masks', () => {
  const rand = seededRandom(1234);

  it('encodeRle matches the naive reference and decodeRle inverts it', () => {
    for (let n = 0; n < 200; n++) {
      const h = randomInt(rand, 1, 40);
      const w = randomInt(rand, 1, 40);
      const mask = randomMask(rand, h, w, rand());
      const rle = encodeRle(mask, h, w);
      expect(rle.counts).toBe(referenceString(referenceCounts(mask, h, w)));
      expect(decodeRle(rle)).toEqual(mask);
      expect(countsFromString(rle.counts)).toEqual(referenceCounts(mask, h, w));
    }
  });

  it('encodeRleRegion equals encodeRle of the materialised mask, regions clipped at every border', () => {
    for (let n = 0; n < 400; n++) {
      const h = randomInt(rand, 1, 30);
      const w = randomInt(rand, 1, 30);
      const rh = randomInt(rand, 0, h + 4);
      const rw = randomInt(rand, 0, w + 4);
      // Offsets from fully off the top/left to fully off the bottom/right, with
      // a bias to exact border contact.
      const pick = (size: number, extent: number): number => {
        const r = rand();
        if (r < 0.2) return 0;
        if (r < 0.4) return size - extent;
        return randomInt(rand, -extent - 1, size + 1);
      };
      const top = pick(h, rh);
      const left = pick(w, rw);
      const region = randomMask(rand, rh, rw, rand());
      const full = fullMaskOfRegion(region, top, left, rh, rw, h, w);
      const got = encodeRleRegion(region, top, left, rh, rw, h, w);
      expect(got).toEqual(encodeRle(full, h, w));
    }
  });

  it('an all-ones region covering whole columns merges runs across columns', () => {
    const region = new Uint8Array(5 * 2).fill(1);
    // Rows 0..4 of columns 1..2 in a 5×4 image: zeros 5, ones 10, zeros 5.
    expect(encodeRleRegion(region, 0, 1, 5, 2, 5, 4).counts).toBe(countsToString([5, 10, 5]));
  });

  it('rleArea, rleToBbox and maskIou agree with pixel counting', () => {
    for (let n = 0; n < 150; n++) {
      const h = randomInt(rand, 1, 25);
      const w = randomInt(rand, 1, 25);
      const a = randomMask(rand, h, w, rand() * 0.6);
      const b = randomMask(rand, h, w, rand() * 0.6);
      const ra = encodeRle(a, h, w);
      const rb = encodeRle(b, h, w);
      let areaA = 0;
      let inter = 0;
      let union = 0;
      let [x0, y0, x1, y1] = [w, h, -1, -1];
      for (let y = 0; y < h; y++) {
        for (let x = 0; x < w; x++) {
          const i = y * w + x;
          if (a[i]) {
            areaA++;
            x0 = Math.min(x0, x);
            y0 = Math.min(y0, y);
            x1 = Math.max(x1, x);
            y1 = Math.max(y1, y);
          }
          if (a[i] && b[i]) inter++;
          if (a[i] || b[i]) union++;
        }
      }
      expect(rleArea(ra)).toBe(areaA);
      expect(rleToBbox(ra)).toEqual(
        areaA === 0 ? [0, 0, 0, 0] : [x0, y0, x1 - x0 + 1, y1 - y0 + 1],
      );
      expect(maskIou(ra, rb)).toBeCloseTo(union === 0 ? 0 : inter / union, 12);
    }
  });
});

describe('COCO RLE validation', () => {
  it('rejects malformed strings with RleFormatError', () => {
    expect(() => countsFromString('4 ')).toThrow(RleFormatError); // character below "0"
    expect(() => countsFromString('`')).toThrow(RleFormatError); // continuation bit, then nothing
    expect(() => countsFromString('O')).toThrow(RleFormatError); // first count negative
    expect(() => decodeRle({ size: [2, 2], counts: '3' })).toThrow(/cover 3 pixels/); // of 4
  });

  it('maskIou refuses masks of different sizes', () => {
    expect(() => maskIou(emptyRle(2, 3), emptyRle(3, 2))).toThrow(/same size/);
  });

  it('identical masks have IoU 1, disjoint 0, empty vs empty 0', () => {
    const a = encodeRle(Uint8Array.of(1, 0, 0, 1), 2, 2);
    const b = encodeRle(Uint8Array.of(0, 1, 1, 0), 2, 2);
    expect(maskIou(a, a)).toBe(1);
    expect(maskIou(a, b)).toBe(0);
    expect(maskIou(emptyRle(2, 2), emptyRle(2, 2))).toBe(0);
  });
});
