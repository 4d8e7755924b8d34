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

/** The size instances' boxes and masks are in, when the drawn image is a scaled copy. */
export interface OverlaySource {
  width: number;
  height: number;
}

/**
 * The image with each instance's mask tinted in its colour, its box outlined and
 * a "label 0.97" tag, as PNG bytes. Masks are blended straight from their RLE
 * runs (no full-image mask per instance); boxes and text are an SVG that sharp
 * composites on top.
 *
 * `rgb` may be a scaled-down copy of the image the instances refer to (`source`,
 * the original size; default: the same as width×height): the caller decodes the
 * upload at most MAX_OVERLAY_SIDE wide so no overlay is ever allocated above it,
 * and boxes and masks are mapped onto it here (nearest pixel).
 */
export async function renderOverlay(
  rgb: Uint8Array,
  width: number,
  height: number,
  instances: readonly Instance[],
  source: OverlaySource = { width, height },
  { inPlace = false }: { inPlace?: boolean } = {},
): Promise<Uint8Array> {
  // A copy, so the caller's pixels stay untouched, unless the caller hands them
  // over (a raster decoded just for the overlay): a 4096² copy is 48 MiB.
  const view = rgb.subarray(0, width * height * 3);
  const pixels = inPlace
    ? Buffer.from(view.buffer, view.byteOffset, view.byteLength)
    : Buffer.from(view);
  const target = { width, height };
  instances.forEach((instance, i) => tintMask(pixels, target, source, instance, colourOf(i)));
  let image = sharp(pixels, { raw: { width, height, channels: 3 } });
  if (instances.length > 0) {
    image = image.composite([
      { input: Buffer.from(labelsSvg(target, source, instances)), top: 0, left: 0 },
    ]);
  }
  const png = await image.png({ compressionLevel: 6 }).toBuffer();
  return new Uint8Array(png.buffer, png.byteOffset, png.byteLength);
}

/** The source index a target pixel samples (its centre, scaled): nearest-neighbour mapping. */
function sourceOf(target: number, sourceSize: number, targetSize: number): number {
  return Math.floor(((target + 0.5) * sourceSize) / targetSize);
}

/** The first target index whose sample is at or after `source` (targetSize when none). */
function firstTarget(source: number, sourceSize: number, targetSize: number): number {
  let t = Math.min(targetSize, Math.max(0, Math.ceil((source * targetSize) / sourceSize - 0.5)));
  while (t > 0 && sourceOf(t - 1, sourceSize, targetSize) >= source) t--;
  while (t < targetSize && sourceOf(t, sourceSize, targetSize) < source) t++;
  return t;
}

/**
 * Tints the target pixels whose sample lies in the mask. The RLE runs are
 * walked column by column of the source; each source column is sampled by at
 * most one target column when scaling down, and a run of source rows maps to
 * a contiguous run of target rows, so every target pixel is blended once.
 */
function tintMask(
  pixels: Buffer,
  target: OverlaySource,
  source: OverlaySource,
  instance: Instance,
  colour: readonly [number, number, number],
): void {
  const [h, w] = instance.mask.size;
  if (h !== source.height || w !== source.width) return;
  const counts = countsFromString(instance.mask.counts);
  let pos = 0; // column-major index, as in COCO RLE
  for (let k = 0; k < counts.length; k++) {
    const run = counts[k]!;
    if (k % 2 === 1) {
      for (let p = pos; p < pos + run;) {
        const x = Math.floor(p / h);
        const y0 = p - x * h;
        const y1 = Math.min(h, y0 + pos + run - p);
        p += y1 - y0;
        const tx = firstTarget(x, w, target.width);
        if (tx >= target.width || sourceOf(tx, w, target.width) !== x) continue;
        const ty1 = firstTarget(y1, h, target.height);
        for (let ty = firstTarget(y0, h, target.height); ty < ty1; ty++) {
          const o = (ty * target.width + tx) * 3;
          for (let c = 0; c < 3; c++) {
            pixels[o + c] = Math.round(pixels[o + c]! * (1 - MASK_ALPHA) + colour[c]! * MASK_ALPHA);
          }
        }
      }
    }
    pos += run;
  }
}

function labelsSvg(
  { width, height }: OverlaySource,
  source: OverlaySource,
  instances: readonly Instance[],
): string {
  const sx = width / source.width;
  const sy = height / source.height;
  const font = Math.max(11, Math.round(Math.min(width, height) / 45));
  const stroke = Math.max(2, Math.round(font / 6));
  const parts = instances.map((instance, i) => {
    const [r, g, b] = colourOf(i);
    const colour = `rgb(${r},${g},${b})`;
    const [x, y, w, h] = scaleBox(instance.bbox, sx, sy);
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

/** A box in source pixels onto the drawn image; unchanged (same numbers) at scale 1. */
function scaleBox(
  [x, y, w, h]: readonly [number, number, number, number],
  sx: number,
  sy: number,
): [number, number, number, number] {
  if (sx === 1 && sy === 1) return [x, y, w, h];
  const round = (v: number) => Math.round(v * 100) / 100;
  return [round(x * sx), round(y * sy), round(w * sx), round(h * sy)];
}

function colourOf(i: number): readonly [number, number, number] {
  return COLOURS[i % COLOURS.length]!;
}

function escapeXml(text: string): string {
  return text.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);
}
