import { pasteBoxMask } from '../../src/masks/paste-box-mask';
import { regionToFullMask } from '../../src/masks/mask-region';
import { randomInt, seededRandom } from './helpers';

const f = Math.fround;

/**
 * Straight transcription of the TF OD API path over the WHOLE image, pixel by
 * pixel: reframe_image_corners_relative_to_boxes, then the CPU kernel of
 * tf.image.crop_and_resize (bilinear, extrapolation 0) in float32, then > t.
 * No range search, no shared rows: it checks those shortcuts of the real code.
 */
function referencePaste(
  mask: Float32Array,
  mh: number,
  mw: number,
  box: readonly number[],
  H: number,
  W: number,
  threshold = 0.5,
): Uint8Array {
  const [ymin, xmin, ymax, xmax] = box.map(f);
  const bh = Math.max(f(ymax - ymin), f(1e-4));
  const bw = Math.max(f(xmax - xmin), f(1e-4));
  const y1 = f(f(0 - ymin) / bh);
  const x1 = f(f(0 - xmin) / bw);
  const y2 = f(f(1 - ymin) / bh);
  const x2 = f(f(1 - xmin) / bw);
  const hs = H > 1 ? f(f(f(y2 - y1) * (mh - 1)) / (H - 1)) : 0;
  const ws = W > 1 ? f(f(f(x2 - x1) * (mw - 1)) / (W - 1)) : 0;
  const out = new Uint8Array(H * W);
  for (let y = 0; y < H; y++) {
    const inY = H > 1 ? f(f(y1 * (mh - 1)) + f(y * hs)) : f(0.5 * f(y1 + y2) * (mh - 1));
    if (inY < 0 || inY > mh - 1) continue;
    const ty = Math.floor(inY);
    const by = Math.ceil(inY);
    const yl = f(inY - ty);
    for (let x = 0; x < W; x++) {
      const inX = W > 1 ? f(f(x1 * (mw - 1)) + f(x * ws)) : f(0.5 * f(x1 + x2) * (mw - 1));
      if (inX < 0 || inX > mw - 1) continue;
      const lx = Math.floor(inX);
      const rx = Math.ceil(inX);
      const xl = f(inX - lx);
      const tl = mask[ty * mw + lx];
      const tr = mask[ty * mw + rx];
      const bl = mask[by * mw + lx];
      const br = mask[by * mw + rx];
      const top = f(tl + f(f(tr - tl) * xl));
      const bottom = f(bl + f(f(br - bl) * xl));
      const v = f(top + f(f(bottom - top) * yl));
      out[y * W + x] = v > f(threshold) ? 1 : 0;
    }
  }
  return out;
}

function countDifferences(a: Uint8Array, b: Uint8Array): number {
  let n = 0;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) n++;
  return n;
}

describe('pasteBoxMask (TF OD API reframe_box_masks_to_image_masks)', () => {
  it('hand-computed: 2×2 mask with one hot corner, full-image box, 4×4 image', () => {
    // Reverse box of [0,0,1,1] is [0,0,1,1]: in_y = i·(2−1)/(4−1) = i/3, same for x.
    // Only m[0][0] = 1, so v(i,j) = (1 − i/3)(1 − j/3):
    //   (0,0)=1, (0,1)=(1,0)=2/3 > 0.5, (1,1)=4/9, (0,2)=1/3 → three pixels.
    const region = pasteBoxMask(Float32Array.of(1, 0, 0, 0), 2, 2, [0, 0, 1, 1], 4, 4);
    expect(region).toEqual({
      top: 0,
      left: 0,
      height: 2,
      width: 2,
      data: Uint8Array.of(1, 1, 1, 0),
    });
  });

  it('hand-computed: an all-ones mask fills exactly the box pixel span', () => {
    // Box [0.25, 0.75] in a 5-pixel axis: h = 0.5, reverse box [-0.5, 1.5];
    // in_y = −0.5 + i·(2·1/4) → −0.5, 0, 0.5, 1, 1.5: rows 1..3 sample inside,
    // i.e. pixels 0.25·4 = 1 to 0.75·4 = 3.
    const region = pasteBoxMask(new Float32Array(4).fill(1), 2, 2, [0.25, 0.25, 0.75, 0.75], 5, 5);
    expect(region).toEqual({
      top: 1,
      left: 1,
      height: 3,
      width: 3,
      data: new Uint8Array(9).fill(1),
    });
  });

  it('a full-image box is an align-corners bilinear resize of the mask', () => {
    const rand = seededRandom(99);
    const [mh, mw, H, W] = [9, 7, 40, 33];
    const mask = Float32Array.from({ length: mh * mw }, () => rand());
    const got = regionToFullMask(pasteBoxMask(mask, mh, mw, [0, 0, 1, 1], H, W), H, W);
    const want = new Uint8Array(H * W);
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) {
        const sy = (y * (mh - 1)) / (H - 1);
        const sx = (x * (mw - 1)) / (W - 1);
        const [y0, x0] = [Math.floor(sy), Math.floor(sx)];
        const [y1, x1] = [Math.min(y0 + 1, mh - 1), Math.min(x0 + 1, mw - 1)];
        const [dy, dx] = [sy - y0, sx - x0];
        const v =
          mask[y0 * mw + x0] * (1 - dy) * (1 - dx) +
          mask[y0 * mw + x1] * (1 - dy) * dx +
          mask[y1 * mw + x0] * dy * (1 - dx) +
          mask[y1 * mw + x1] * dy * dx;
        want[y * W + x] = v > 0.5 ? 1 : 0;
      }
    }
    expect(countDifferences(got, want)).toBe(0);
  });

  it('agrees pixel for pixel with a full-image reference on random boxes and masks', () => {
    const rand = seededRandom(2026);
    for (let n = 0; n < 300; n++) {
      const mh = randomInt(rand, 1, 15);
      const mw = randomInt(rand, 1, 15);
      const H = randomInt(rand, 1, 60);
      const W = randomInt(rand, 1, 60);
      const mask = Float32Array.from({ length: mh * mw }, () => (rand() < 0.2 ? 0.5 : rand()));
      // Boxes inside, across the border, tiny, bigger than the image.
      const ymin = rand() * 1.4 - 0.2;
      const xmin = rand() * 1.4 - 0.2;
      const ymax = ymin + (rand() < 0.1 ? rand() * 0.01 : rand() * 1.2);
      const xmax = xmin + (rand() < 0.1 ? rand() * 0.01 : rand() * 1.2);
      const threshold = rand() < 0.5 ? 0.5 : rand();
      const box = [ymin, xmin, ymax, xmax] as const;
      const got = pasteBoxMask(mask, mh, mw, box, H, W, threshold);
      const want = referencePaste(mask, mh, mw, box, H, W, threshold);
      const full = regionToFullMask(got, H, W);
      if (countDifferences(full, want) !== 0) {
        throw new Error(`case ${n} differs: ${JSON.stringify({ mh, mw, H, W, box, threshold })}`);
      }
      if (got !== null) {
        // Trimmed: the region's border rows and columns each hold a set pixel.
        const { data, height, width } = got;
        const rowSet = (r: number): boolean =>
          data.subarray(r * width, (r + 1) * width).some(Boolean);
        const colSet = (c: number): boolean =>
          Array.from({ length: height }, (_, r) => data[r * width + c]).some(Boolean);
        expect(rowSet(0) && rowSet(height - 1) && colSet(0) && colSet(width - 1)).toBe(true);
      } else {
        expect(want.some(Boolean)).toBe(false);
      }
    }
  });

  it('strict > threshold: a mask of exactly 0.5 sets nothing', () => {
    expect(pasteBoxMask(new Float32Array(4).fill(0.5), 2, 2, [0, 0, 1, 1], 8, 8)).toBeNull();
  });

  it('returns null for degenerate boxes, boxes off the image and empty masks', () => {
    const ones = new Float32Array(4).fill(1);
    expect(pasteBoxMask(ones, 2, 2, [0.5, 0.2, 0.5, 0.8], 10, 10)).toBeNull();
    expect(pasteBoxMask(ones, 2, 2, [0.2, 0.8, 0.6, 0.3], 10, 10)).toBeNull();
    expect(pasteBoxMask(ones, 2, 2, [1.2, 0.2, 1.5, 0.8], 10, 10)).toBeNull();
    expect(pasteBoxMask(ones, 2, 2, [Number.NaN, 0, 1, 1], 10, 10)).toBeNull();
    expect(pasteBoxMask(new Float32Array(4), 2, 2, [0, 0, 1, 1], 10, 10)).toBeNull();
  });

  it('rejects a mask smaller than its size and a negative threshold', () => {
    const internal = expect.objectContaining({ code: 'INTERNAL' });
    expect(() => pasteBoxMask(new Float32Array(3), 2, 2, [0, 0, 1, 1], 4, 4)).toThrow(internal);
    expect(() => pasteBoxMask(new Float32Array(4), 2, 2, [0, 0, 1, 1], 4, 4, -1)).toThrow(internal);
  });
});
