/**
 * The layers an overlay is made of, each no larger than what it covers: a
 * tint per instance mask (RGBA over the mask's extent), four bars per box
 * outline and a tag-sized SVG per "label 0.97". Why layers and not one
 * image-sized raster or SVG: a 4096² RGBA canvas is 64 MiB, and libvips
 * composites layers tile by tile over a streamed base image.
 *
 * Boxes and masks are in `source` pixels (the original image); the overlay is
 * `target` pixels, possibly scaled down: every target pixel shows the source
 * pixel under its centre (nearest neighbour).
 */
import type sharp from 'sharp';
import type { Instance } from '../inference/types';
import { rleToBbox } from '../masks/rle';
import { countsFromString } from '../masks/rle-codec';

export interface Size {
  width: number;
  height: number;
}

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
/** Mask tint opacity, as an 8-bit alpha (≈ 0.5). */
const MASK_ALPHA = 128;

/** Every layer of every instance, in drawing order (tints first, so outlines stay crisp). */
export function overlayLayers(
  target: Size,
  source: Size,
  instances: readonly Instance[],
): sharp.OverlayOptions[] {
  const tints = instances.flatMap((instance, i) => tintLayer(target, source, instance, i));
  return [...tints, ...labelLayers(target, source, instances)];
}

/** The source index a target pixel samples (its centre, scaled). */
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
 * The instance's mask as an RGBA layer over its extent on the target. The RLE
 * runs are walked column by column of the source; when scaling down each
 * source column is sampled by at most one target column, and a run of source
 * rows maps to a contiguous run of target rows.
 */
function tintLayer(
  target: Size,
  source: Size,
  instance: Instance,
  index: number,
): sharp.OverlayOptions[] {
  const [h, w] = instance.mask.size;
  if (h !== source.height || w !== source.width) return [];
  const [bx, by, bw, bh] = rleToBbox(instance.mask);
  const left = firstTarget(bx, w, target.width);
  const top = firstTarget(by, h, target.height);
  const width = firstTarget(bx + bw, w, target.width) - left;
  const height = firstTarget(by + bh, h, target.height) - top;
  if (width <= 0 || height <= 0) return [];
  const [r, g, b] = colourOf(index);
  const rgba = Buffer.alloc(width * height * 4);
  const counts = countsFromString(instance.mask.counts);
  let pos = 0; // column-major index, as in COCO RLE
  for (let k = 0; k < counts.length; k++) {
    const run = counts[k];
    for (let p = pos; k % 2 === 1 && p < pos + run;) {
      const x = Math.floor(p / h);
      const y0 = p - x * h;
      const y1 = Math.min(h, y0 + pos + run - p);
      p += y1 - y0;
      const tx = firstTarget(x, w, target.width);
      if (tx >= target.width || sourceOf(tx, w, target.width) !== x) continue;
      const ty1 = firstTarget(y1, h, target.height);
      for (let ty = firstTarget(y0, h, target.height); ty < ty1; ty++) {
        const o = ((ty - top) * width + (tx - left)) * 4;
        rgba[o] = r;
        rgba[o + 1] = g;
        rgba[o + 2] = b;
        rgba[o + 3] = MASK_ALPHA;
      }
    }
    pos += run;
  }
  return [{ input: rgba, raw: { width, height, channels: 4 }, left, top }];
}

/** A rectangle clipped to the image, or null when nothing of it is inside. */
function clip(
  left: number,
  top: number,
  w: number,
  h: number,
  { width, height }: Size,
): { left: number; top: number; width: number; height: number } | null {
  const x0 = Math.max(0, Math.round(left));
  const y0 = Math.max(0, Math.round(top));
  const x1 = Math.min(width, Math.round(left + w));
  const y1 = Math.min(height, Math.round(top + h));
  return x1 > x0 && y1 > y0 ? { left: x0, top: y0, width: x1 - x0, height: y1 - y0 } : null;
}

/** Box outlines (four solid bars, stroke centred on the edge as SVG draws it) and tags. */
function labelLayers(
  target: Size,
  source: Size,
  instances: readonly Instance[],
): sharp.OverlayOptions[] {
  const { width, height } = target;
  const sx = width / source.width;
  const sy = height / source.height;
  const font = Math.max(11, Math.round(Math.min(width, height) / 45));
  const stroke = Math.max(2, Math.round(font / 6));
  const half = stroke / 2;
  const layers: sharp.OverlayOptions[] = [];
  instances.forEach((instance, i) => {
    const [r, g, b] = colourOf(i);
    const [x, y, w, h] = instance.bbox;
    const [x0, y0, x1, y1] = [x * sx, y * sy, (x + w) * sx, (y + h) * sy];
    const bars = [
      clip(x0 - half, y0 - half, x1 - x0 + stroke, stroke, target),
      clip(x0 - half, y1 - half, x1 - x0 + stroke, stroke, target),
      clip(x0 - half, y0 - half, stroke, y1 - y0 + stroke, target),
      clip(x1 - half, y0 - half, stroke, y1 - y0 + stroke, target),
    ];
    for (const bar of bars) {
      if (bar === null) continue;
      const { left, top, width: bw, height: bh } = bar;
      layers.push({
        input: { create: { width: bw, height: bh, channels: 3, background: { r, g, b } } },
        left,
        top,
      });
    }
    const text = `${instance.label} ${instance.score.toFixed(2)}`;
    const tagW = Math.round(text.length * font * 0.6 + font * 0.6);
    const tagH = Math.round(font * 1.35);
    const tag = clip(x0, y0 >= tagH ? y0 - tagH : y0, tagW, tagH, target);
    if (tag === null) return;
    layers.push({
      input: Buffer.from(
        `<svg xmlns="http://www.w3.org/2000/svg" width="${tag.width}" height="${tag.height}">` +
          `<rect x="0" y="0" width="${tagW}" height="${tagH}" fill="rgb(${r},${g},${b})"/>` +
          `<text x="${font * 0.3}" y="${font * 1.05}" font-size="${font}" ` +
          `font-family="DejaVu Sans, Arial, sans-serif" fill="#ffffff">${escapeXml(text)}</text>` +
          '</svg>',
      ),
      left: tag.left,
      top: tag.top,
    });
  });
  return layers;
}

function colourOf(i: number): readonly [number, number, number] {
  return COLOURS[i % COLOURS.length];
}

function escapeXml(text: string): string {
  return text.replace(/[<>&'"]/g, (c) => `&#${c.charCodeAt(0)};`);
}
