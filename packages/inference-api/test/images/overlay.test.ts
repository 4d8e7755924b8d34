import sharp from 'sharp';
import { renderOverlay } from '../../src/images/overlay';
import type { Instance } from '../../src/inference/types';
import { encodeRle } from '../../src/masks/rle';

const W = 60;
const H = 40;
const GREY = 128;

function rectMask(x0: number, y0: number, x1: number, y1: number): Uint8Array {
  const mask = new Uint8Array(W * H);
  for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) mask[y * W + x] = 1;
  return mask;
}

const at = (rgb: Buffer, x: number, y: number) =>
  Array.from(rgb.subarray((y * W + x) * 3, (y * W + x) * 3 + 3));

describe('renderOverlay', () => {
  const rgb = new Uint8Array(W * H * 3).fill(GREY);
  const instance = (x0: number, y0: number, x1: number, y1: number, label: string): Instance => ({
    classId: 1,
    label,
    score: 0.91,
    bbox: [x0, y0, x1 - x0, y1 - y0],
    mask: encodeRle(rectMask(x0, y0, x1, y1), H, W),
  });

  it('returns a PNG of the image size with mask pixels tinted and others untouched', async () => {
    const png = await renderOverlay(rgb, W, H, [
      instance(10, 12, 30, 30, 'square <&>'),
      instance(40, 5, 55, 20, 'circle'),
    ]);
    expect(Buffer.from(png.subarray(0, 8))).toEqual(
      Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    );
    const { data, info } = await sharp(png)
      .removeAlpha()
      .raw()
      .toBuffer({ resolveWithObject: true });
    expect([info.width, info.height]).toEqual([W, H]);
    // Inside the masks, away from box outlines and tags: tinted, and differently per instance.
    const first = at(data, 20, 24);
    const second = at(data, 47, 14);
    expect(first).not.toEqual([GREY, GREY, GREY]);
    expect(second).not.toEqual([GREY, GREY, GREY]);
    expect(first).not.toEqual(second);
    // Far from every instance: unchanged.
    expect(at(data, 2, 38)).toEqual([GREY, GREY, GREY]);
    // The caller's pixels are not modified.
    expect(rgb.every((v) => v === GREY)).toBe(true);
  });

  it('renders an image without instances unchanged', async () => {
    const png = await renderOverlay(rgb, W, H, []);
    const { data } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
    expect(data.every((v) => v === GREY)).toBe(true);
  });

  it('maps original-pixel masks and boxes onto a scaled-down image', async () => {
    // Instances on a 120×80 original, drawn on a 60×40 copy (scale 0.5).
    const big = { width: 2 * W, height: 2 * H };
    const bigMask = new Uint8Array(big.width * big.height);
    for (let y = 40; y < 76; y++) for (let x = 20; x < 60; x++) bigMask[y * big.width + x] = 1;
    const png = await renderOverlay(
      rgb,
      W,
      H,
      [
        {
          classId: 1,
          label: 'a',
          score: 0.9,
          bbox: [20, 40, 40, 36],
          mask: encodeRle(bigMask, big.height, big.width),
        },
      ],
      big,
    );
    const { data, info } = await sharp(png)
      .removeAlpha()
      .raw()
      .toBuffer({ resolveWithObject: true });
    expect([info.width, info.height]).toEqual([W, H]);
    // The mask covers x 10..29, y 20..37 of the drawn image (its tag sits above
    // it): tinted inside, grey outside.
    expect(at(data, 15, 25)).not.toEqual([GREY, GREY, GREY]);
    expect(at(data, 45, 30)).toEqual([GREY, GREY, GREY]);
    expect(at(data, 5, 30)).toEqual([GREY, GREY, GREY]);
    // Every tinted pixel got the same single blend (none blended twice).
    const inside = [at(data, 15, 25), at(data, 24, 30), at(data, 18, 33)];
    expect(new Set(inside.map((p) => p.join())).size).toBe(1);
  });
});
