import sharp from 'sharp';
import type { Instance } from '../inference/types';
import { countsFromString } from '../masks';

// Distinct, saturated colours; instance i uses COLOURS[i % length].
const COLOURS: ReadonlyArray<readonly [number, number, number]> = [
  [255, 56, 56],
  [56, 118, 255],
  [46, 204, 64],
  [255, 157, 0],
  [171, 71, 255],
  [0, 212, 212],
  [255, 55, 199],
  [207, 210, 49],
  [139, 87, 42],
  [30, 30, 30],
];
const MASK_ALPHA = 0.5;

/**
 * The image with each instance's mask tinted in its colour, its box outlined and
 * a "label 0.97" tag, as PNG bytes. Masks are blended straight from their RLE
 * runs (no full-image mask per instance); boxes and text are an SVG that sharp
 * composites on top.
 */
export async function renderOverlay(
  rgb: Uint8Array,
  width: number,
  height: number,
  instances: readonly Instance[],
): Promise<Uint8Array> {
  // A copy: the caller's pixels stay untouched.
  const pixels = Buffer.from(rgb.subarray(0, width * height * 3));
  instances.forEach((instance, i) => tintMask(pixels, width, height, instance, colourOf(i)));
  let image = sharp(pixels, { raw: { width, height, channels: 3 } });
  if (instances.length > 0) {
    image = image.composite([
      { input: Buffer.from(labelsSvg(width, height, instances)), top: 0, left: 0 },
    ]);
  }
  const png = await image.png({ compressionLevel: 6 }).toBuffer();
  return new Uint8Array(png.buffer, png.byteOffset, png.byteLength);
}

function tintMask(
  pixels: Buffer,
  width: number,
  height: number,
  instance: Instance,
  colour: readonly [number, number, number],
): void {
  const [h, w] = instance.mask.size;
  if (h !== height || w !== width) return;
  const counts = countsFromString(instance.mask.counts);
  let pos = 0; // column-major index, as in COCO RLE
  for (let k = 0; k < counts.length; k++) {
    const run = counts[k]!;
    if (k % 2 === 1) {
      for (let p = pos; p < pos + run; p++) {
        const x = Math.floor(p / h);
        const y = p - x * h;
        const o = (y * width + x) * 3;
        for (let c = 0; c < 3; c++) {
          pixels[o + c] = Math.round(pixels[o + c]! * (1 - MASK_ALPHA) + colour[c]! * MASK_ALPHA);
        }
      }
    }
    pos += run;
  }
}

function labelsSvg(width: number, height: number, instances: readonly Instance[]): string {
  const font = Math.max(11, Math.round(Math.min(width, height) / 45));
  const stroke = Math.max(2, Math.round(font / 6));
  const parts = instances.map((instance, i) => {
    const [r, g, b] = colourOf(i);
    const colour = `rgb(${r},${g},${b})`;
    const [x, y, w, h] = instance.bbox;
    const text = `${instance.label} ${instance.score.toFixed(2)}`;
    const tagW = Math.round(text.length * font * 0.6 + font * 0.6);
    const tagH = Math.round(font * 1.35);
    const tagY = y >= tagH ? y - tagH : y;
    return (
      `<rect x="${x}" y="${y}" width="${w}" height="${h}" fill="none" stroke="${colour}" stroke-width="${stroke}"/>` +
      `<rect x="${x}" y="${tagY}" width="${tagW}" height="${tagH}" fill="${colour}"/>` +
      `<text x="${x + font * 0.3}" y="${tagY + font * 1.05}" font-size="${font}" ` +
      `font-family="DejaVu Sans, Arial, sans-serif" fill="#ffffff">${escapeXml(text)}</text>`
    );
  });
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}">` +
    parts.join('') +
    '</svg>'
  );
}

function colourOf(i: number): readonly [number, number, number] {
  return COLOURS[i % COLOURS.length]!;
}

function escapeXml(text: string): string {
  return text.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);
}
