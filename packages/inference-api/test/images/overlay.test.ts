import sharp from 'sharp';
import { renderOverlay } from '../../src/images/overlay';
import type { Instance } from '../../src/inference/types';
import { encodeRle } from '../../src/masks';

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
});
