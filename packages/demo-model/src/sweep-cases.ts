/**
 * The fixed-seed random sweep of demo-model images (this package's README, "What the
 * models find": any background far from the palette, black included), shared by the
 * sweeps that run the generated models: this package's ONNX sweep and inference-api's
 * engine sweeps.
 */
import { seededRandom } from '@maskops/shared';
import type { ImageFormat, PaintedImage } from './paint-shapes';
import { paintShapes } from './paint-shapes';
import type { Rgb } from './palette';
import { PALETTE_COLOURS, isFarFromPalette } from './palette';

/** Levels of encoding noise a background must stay clear of, beyond the ±24 band. */
const BACKGROUND_MARGIN = 16;
/** Image sides span the input space: below, between and above both adapters' resize limits. */
const MIN_SIDE = 64;
const MAX_SIDE = 1400;
/** Most sweep images stay under this side, to keep the sweep short; every LARGE_EVERY-th does not. */
const SMALL_SIDE = 720;
const LARGE_EVERY = 4;

export interface SweepCase {
  index: number;
  painted: PaintedImage;
  format: ImageFormat;
}

/** Uniform background colours, rejected only when near the palette; black and near-black often. */
function background(rng: () => number): Rgb {
  const pick = rng();
  for (;;) {
    const rgb: Rgb =
      pick < 0.1
        ? [0, 0, 0]
        : pick < 0.3
          ? [Math.floor(rng() * 16), Math.floor(rng() * 16), Math.floor(rng() * 16)]
          : [Math.floor(rng() * 256), Math.floor(rng() * 256), Math.floor(rng() * 256)];
    if (isFarFromPalette(rgb, BACKGROUND_MARGIN)) return rgb;
  }
}

function side(rng: () => number, large: boolean): number {
  const top = large ? MAX_SIDE : SMALL_SIDE;
  return MIN_SIDE + Math.floor(rng() * (top - MIN_SIDE + 1));
}

/** Case `index` of the sweep seeded with `seed`; the same arguments always give the same image. */
export function sweepCase(seed: number, index: number): SweepCase {
  const rng = seededRandom(seed * 100_003 + index);
  const large = index % LARGE_EVERY === 0;
  const width = side(rng, large);
  const height = side(rng, large);
  const bg = background(rng);
  const format: ImageFormat = rng() < 0.5 ? 'png' : 'jpeg';
  const wanted = 1 + Math.floor(rng() * PALETTE_COLOURS.length);
  // A small image may not fit `wanted` shapes: fewer, down to one.
  for (let count = wanted; ; count--) {
    try {
      const painted = paintShapes({ width, height, seed: index, count, background: bg });
      return { index, painted, format };
    } catch (error) {
      if (!(error instanceof RangeError) || count === 1) throw error;
    }
  }
}
