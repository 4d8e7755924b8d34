/**
 * The fixed-seed random sweep of demo-model images (this package's README, "What the
 * models find": any background far from the palette, black included), shared by the
 * sweeps that run the generated models: this package's ONNX sweep and inference-api's
 * engine sweeps.
 */
import { seededRandom } from '@maskops/shared';
import type { ImageFormat, PaintedImage } from './paint-shapes';
import { MIN_SHAPE_SIZE, paintShapes } from './paint-shapes';
import type { Rgb } from './palette';
import type { BackgroundTexture } from './background-texture';
import { MAX_NOISE_SIGMA, TextureKind, paintBackground } from './background-texture';
import { PALETTE_COLOURS, isFarFromPalette } from './palette';

/** Levels of encoding noise a background must stay clear of, beyond the ±24 band. */
const BACKGROUND_MARGIN = 16;
/** Image sides span the input space: below, between and above both adapters' resize limits. */
const MIN_SIDE = 64;
const MAX_SIDE = 1400;
/** Most sweep images stay under this side, to keep the sweep short; every LARGE_EVERY-th does not. */
const SMALL_SIDE = 720;
const LARGE_EVERY = 4;
/**
 * The smallest working side among the demo adapters (Matterport's IMAGE_MAX_DIM):
 * a larger image is shrunk to it before the model sees it. The minimum shape size
 * holds in the pixels the model sees, so a shape in a larger image is at least
 * MIN_SHAPE_SIZE after that shrink (a 45 px triangle in a 1371 px image is 34 px
 * there, too small for a 28×28 mask to reach IoU 0.9).
 */
const MODEL_SIDE = 1024;

export interface SweepCase {
  index: number;
  /** No shapes on every BLANK_EVERY-th image: the model must find nothing there. */
  painted: PaintedImage;
  format: ImageFormat;
  texture: BackgroundTexture;
  /**
   * Pixels (in the image the model sees) a box may grow beyond the painted shape: noise
   * pixels of the shape's own colour touching it are part of it (README, "The noise model").
   */
  boxSlack: number;
}

/** Every BLANK_EVERY-th image has no shapes at all. */
const BLANK_EVERY = 5;
/** Smooth textures: up to this many levels either way, on lattice cells of 16…64 px. */
const MAX_TEXTURE_AMPLITUDE = 40;

/** How much further than flat a textured background keeps from the palette (README). */
function margin(tex: BackgroundTexture): number {
  if (tex.kind === TextureKind.SMOOTH) return tex.amplitude;
  if (tex.kind === TextureKind.NOISE) return Math.ceil(2 * tex.sigma);
  return 0;
}

/** A noise pixel joins a shape within the graph's reach (2 × the 3-pixel core). */
const NOISE_BOX_SLACK = 6;

/** A third flat, a third Gaussian noise (σ up to MAX_NOISE_SIGMA), a third smooth texture. */
function texture(rng: () => number): BackgroundTexture {
  const pick = rng();
  if (pick < 1 / 3) return { kind: TextureKind.FLAT };
  if (pick < 2 / 3) return { kind: TextureKind.NOISE, sigma: 1 + rng() * (MAX_NOISE_SIGMA - 1) };
  return {
    kind: TextureKind.SMOOTH,
    amplitude: Math.round(8 + rng() * (MAX_TEXTURE_AMPLITUDE - 8)),
    cell: 16 + Math.floor(rng() * 49),
  };
}

/**
 * Background colours, rejected only when near the palette (by `margin` beyond the
 * encoding margin: a smooth texture's amplitude); black and near-black often.
 */
function background(rng: () => number, margin: number): Rgb {
  const pick = rng();
  for (;;) {
    const rgb: Rgb =
      pick < 0.1
        ? [0, 0, 0]
        : pick < 0.3
          ? [Math.floor(rng() * 16), Math.floor(rng() * 16), Math.floor(rng() * 16)]
          : [Math.floor(rng() * 256), Math.floor(rng() * 256), Math.floor(rng() * 256)];
    if (isFarFromPalette(rgb, BACKGROUND_MARGIN + margin)) return rgb;
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
  const tex = texture(rng);
  // A smooth texture stays within ±amplitude of its colour, and noise rarely passes 2σ:
  // the colour keeps that much further off the palette.
  const bg = background(rng, margin(tex));
  const boxSlack = tex.kind === TextureKind.NOISE ? NOISE_BOX_SLACK : 0;
  const format: ImageFormat = rng() < 0.5 ? 'png' : 'jpeg';
  const wanted = 1 + Math.floor(rng() * PALETTE_COLOURS.length);
  if (index % BLANK_EVERY === BLANK_EVERY - 1) {
    const rgb = paintBackground(width, height, bg, tex, index);
    return {
      index,
      painted: { rgb, width, height, background: bg, shapes: [] },
      format,
      texture: tex,
      boxSlack,
    };
  }
  // A small image may not fit `wanted` shapes: fewer, down to one.
  for (let count = wanted; ; count--) {
    try {
      const painted = paintShapes({
        width,
        height,
        seed: index,
        count,
        background: bg,
        texture: tex,
        minSize: Math.ceil((MIN_SHAPE_SIZE * Math.max(width, height)) / MODEL_SIDE),
      });
      return { index, painted, format, texture: tex, boxSlack };
    } catch (error) {
      if (!(error instanceof RangeError) || count === 1) throw error;
    }
  }
}
