/**
 * The backgrounds the demo models must see as empty (this package's README, "The
 * noise model"): a flat colour far from the palette, that colour with independent
 * Gaussian noise per pixel and channel (σ up to 25 levels), or that colour plus a
 * smooth random field (bilinear between random values on a coarse lattice).
 */
import { seededRandom } from '@maskops/shared';
import type { Rgb } from './palette';

export const TextureKind = { FLAT: 'flat', NOISE: 'noise', SMOOTH: 'smooth' } as const;
export type TextureKind = (typeof TextureKind)[keyof typeof TextureKind];

export type BackgroundTexture =
  | { kind: typeof TextureKind.FLAT }
  /** Independent N(0, sigma²) levels added to each pixel's each channel, then clamped. */
  | { kind: typeof TextureKind.NOISE; sigma: number }
  /**
   * Per channel, uniform values in ±amplitude on a lattice of `cell`-pixel squares,
   * interpolated bilinearly: every pixel lies within ±amplitude of the background.
   */
  | { kind: typeof TextureKind.SMOOTH; amplitude: number; cell: number };

/** The largest noise the models are held to (README): σ = 25 of 255. */
export const MAX_NOISE_SIGMA = 25;

const { floor, sqrt, log, cos, PI, max, min, round } = Math;
const clamp = (v: number): number => max(0, min(255, round(v)));

/** A standard normal draw (Box–Muller). */
function gaussian(rng: () => number): number {
  return sqrt(-2 * log(1 - rng())) * cos(2 * PI * rng());
}

/** Row-major width×height×3 RGB of the background; `seed` makes noise and texture reproducible. */
export function paintBackground(
  width: number,
  height: number,
  background: Rgb,
  texture: BackgroundTexture,
  seed: number,
): Uint8Array {
  const rgb = new Uint8Array(width * height * 3);
  for (let p = 0; p < rgb.length; p += 3) {
    rgb[p] = background[0];
    rgb[p + 1] = background[1];
    rgb[p + 2] = background[2];
  }
  // Its own generator, so a flat image paints exactly as before textures existed.
  const rng = seededRandom(seed * 7919 + 17);
  if (texture.kind === TextureKind.NOISE) {
    for (let i = 0; i < rgb.length; i++) rgb[i] = clamp(rgb[i] + texture.sigma * gaussian(rng));
  } else if (texture.kind === TextureKind.SMOOTH) {
    const { amplitude, cell } = texture;
    const cols = floor(width / cell) + 2;
    const rows = floor(height / cell) + 2;
    const lattice = Float32Array.from(
      { length: cols * rows * 3 },
      () => (2 * rng() - 1) * amplitude,
    );
    for (let y = 0; y < height; y++) {
      const gy = y / cell;
      const r0 = floor(gy);
      const fy = gy - r0;
      for (let x = 0; x < width; x++) {
        const gx = x / cell;
        const c0 = floor(gx);
        const fx = gx - c0;
        for (let c = 0; c < 3; c++) {
          const at = (r: number, k: number): number => lattice[(r * cols + k) * 3 + c];
          const top = at(r0, c0) * (1 - fx) + at(r0, c0 + 1) * fx;
          const bottom = at(r0 + 1, c0) * (1 - fx) + at(r0 + 1, c0 + 1) * fx;
          const p = (y * width + x) * 3 + c;
          rgb[p] = clamp(rgb[p] + top * (1 - fy) + bottom * fy);
        }
      }
    }
  }
  return rgb;
}
