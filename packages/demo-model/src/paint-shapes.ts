/**
 * Paints test images for the demo "shapes" model: solid, non-overlapping
 * palette-coloured squares, circles and upright triangles on a background far
 * from the palette, with the exact mask and box of every shape. Seeded, so an
 * image is reproducible from (width, height, seed, count, background).
 */
import sharp from 'sharp';
import type { PaletteColour, Rgb, ShapeClassId, ShapeLabel } from './palette';
import { PALETTE, PALETTE_COLOURS, SHAPE_CLASSES, matchesPalette } from './palette';
import { seededRandom } from '@maskops/shared';
import type { BackgroundTexture } from './background-texture';
import { TextureKind, paintBackground } from './background-texture';

export { PALETTE } from './palette';

export interface PaintOptions {
  width: number;
  height: number;
  seed: number;
  /** 1..8 shapes, each in a different palette colour; random when omitted. */
  count?: number;
  /** Must not be taken for a palette colour; one of SAFE_BACKGROUNDS when omitted. */
  background?: Rgb;
  /** Noise or texture on the background (the shapes stay solid); flat when omitted. */
  texture?: BackgroundTexture;
  /** Smallest shape side in pixels (at least MIN_SHAPE_SIZE, the default). */
  minSize?: number;
}

export interface PaintedShape {
  colour: PaletteColour;
  classId: ShapeClassId;
  label: ShapeLabel;
  /** row-major width*height, 1 inside the shape */
  mask: Uint8Array;
  /** [x, y, width, height] of the mask's pixels */
  bbox: [number, number, number, number];
}

export interface PaintedImage {
  /** row-major width*height*3 */
  rgb: Uint8Array;
  width: number;
  height: number;
  background: Rgb;
  shapes: PaintedShape[];
}

export const SAFE_BACKGROUNDS: readonly Rgb[] = [
  [90, 90, 90],
  [20, 20, 20],
  [200, 200, 200],
  [128, 128, 128],
];
const FLAT: BackgroundTexture = { kind: TextureKind.FLAT };
export const MIN_SHAPE_SIZE = 40;
const GAP = 8;
const MARGIN = 2;
const ATTEMPTS = 400;

export type ImageFormat = 'jpeg' | 'png' | 'webp' | 'tiff';

// Module-level copies: global lookups are slow inside jest's vm context and these run per pixel.
const { abs, floor, min, max } = Math;

type Square = { x: number; y: number; size: number };

function inside(label: ShapeLabel, box: Square, px: number, py: number): boolean {
  const cx = px + 0.5 - box.x;
  const cy = py + 0.5 - box.y;
  const s = box.size;
  if (cx < 0 || cy < 0 || cx > s || cy > s) return false;
  if (label === 'square') return true;
  const dx = cx - s / 2;
  const dy = cy - s / 2;
  if (label === 'circle') return dx * dx + dy * dy <= (s * s) / 4;
  return abs(dx) <= cy / 2;
}

function place(
  rng: () => number,
  width: number,
  height: number,
  placed: Square[],
  smallest: number,
): Square {
  const largest = max(smallest, floor(min(width, height) * 0.4));
  for (let attempt = 0; attempt < ATTEMPTS; attempt++) {
    // Shrink the size range as attempts fail, so crowded images still fit.
    const top = max(smallest, floor(largest * (1 - attempt / ATTEMPTS)));
    const size = smallest + floor(rng() * (top - smallest + 1));
    const x = MARGIN + floor(rng() * (width - size - 2 * MARGIN + 1));
    const y = MARGIN + floor(rng() * (height - size - 2 * MARGIN + 1));
    if (x < MARGIN || y < MARGIN) continue;
    const clear = placed.every(
      (o) =>
        x + size + GAP <= o.x ||
        o.x + o.size + GAP <= x ||
        y + size + GAP <= o.y ||
        o.y + o.size + GAP <= y,
    );
    if (clear) return { x, y, size };
  }
  throw new RangeError(`cannot fit another ${smallest}px shape in ${width}x${height}`);
}

export function paintShapes(options: PaintOptions): PaintedImage {
  const { width, height, seed } = options;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new RangeError(`bad image size ${width}x${height}`);
  }
  const rng = seededRandom(seed);
  const count = options.count ?? 1 + floor(rng() * PALETTE_COLOURS.length);
  if (!Number.isInteger(count) || count < 1 || count > PALETTE_COLOURS.length) {
    throw new RangeError(`count must be 1..${PALETTE_COLOURS.length}, got ${count}`);
  }
  const background = options.background ?? SAFE_BACKGROUNDS[floor(rng() * SAFE_BACKGROUNDS.length)];
  const clash = matchesPalette(background);
  if (clash !== undefined)
    throw new RangeError(`background ${background.join(',')} is taken for ${clash}`);

  const colours = [...PALETTE_COLOURS];
  for (let i = colours.length - 1; i > 0; i--) {
    const j = floor(rng() * (i + 1));
    [colours[i], colours[j]] = [colours[j], colours[i]];
  }
  const labels = Object.keys(SHAPE_CLASSES) as ShapeLabel[];

  const rgb = paintBackground(width, height, background, options.texture ?? FLAT, seed);
  const placed: Square[] = [];
  const shapes = colours.slice(0, count).map((colour): PaintedShape => {
    const label = labels[floor(rng() * labels.length)];
    const box = place(rng, width, height, placed, max(MIN_SHAPE_SIZE, options.minSize ?? 0));
    placed.push(box);
    const mask = new Uint8Array(width * height);
    const paint = PALETTE[colour];
    let x0 = width;
    let y0 = height;
    let x1 = -1;
    let y1 = -1;
    for (let py = box.y; py < box.y + box.size; py++) {
      for (let px = box.x; px < box.x + box.size; px++) {
        if (!inside(label, box, px, py)) continue;
        const p = py * width + px;
        mask[p] = 1;
        rgb[p * 3] = paint[0];
        rgb[p * 3 + 1] = paint[1];
        rgb[p * 3 + 2] = paint[2];
        x0 = min(x0, px);
        y0 = min(y0, py);
        x1 = max(x1, px);
        y1 = max(y1, py);
      }
    }
    return {
      colour,
      classId: SHAPE_CLASSES[label],
      label,
      mask,
      bbox: [x0, y0, x1 - x0 + 1, y1 - y0 + 1],
    };
  });
  return { rgb, width, height, background, shapes };
}

/**
 * Encodes a painted image. Lossy formats keep full-resolution colour (JPEG
 * 4:4:4, WebP near-lossless) so edges keep their palette colour; `quality`
 * defaults to 95.
 */
export async function encodeShapesImage(
  painted: Pick<PaintedImage, 'rgb' | 'width' | 'height'>,
  format: ImageFormat,
  quality = 95,
): Promise<Buffer> {
  const image = sharp(
    Buffer.from(painted.rgb.buffer, painted.rgb.byteOffset, painted.rgb.byteLength),
    {
      raw: { width: painted.width, height: painted.height, channels: 3 },
    },
  );
  switch (format) {
    case 'jpeg':
      return image.jpeg({ quality, chromaSubsampling: '4:4:4' }).toBuffer();
    case 'png':
      return image.png().toBuffer();
    case 'webp':
      return image.webp({ quality, nearLossless: true }).toBuffer();
    case 'tiff':
      return image.tiff({ compression: 'lzw' }).toBuffer();
  }
}
