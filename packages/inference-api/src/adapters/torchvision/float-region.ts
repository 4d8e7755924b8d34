import type { MaskRegion } from '../../masks/mask-region';

/**
 * Mask probabilities over a rectangle of the model's input image, row-major
 * with `stride` floats per row. A full-size `[1,H,W]` output plane is one (a
 * view, never a copy); so is a box-relative mask once pasted into its box.
 */
export interface FloatRegion {
  data: Float32Array;
  top: number;
  left: number;
  height: number;
  width: number;
  stride: number;
}

/** A rectangle [x0, x1) × [y0, y1) in pixels. */
export interface Window {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

/**
 * Thresholds (> 0.5, torchvision's rule) the part of `src` inside `window`
 * (input pixels) and maps it onto the original image, which is `scaleX`/`scaleY`
 * times the input's size. At scale 1 each pixel is read as is; otherwise each
 * original pixel samples the probabilities bilinearly at its centre (half-pixel
 * mapping, edges clamped), as an image resize would. Only the window's pixels
 * are visited; the result is a region of original pixels.
 */
export function thresholdRegion(
  src: FloatRegion,
  window: Window,
  scaleX: number,
  scaleY: number,
  originalWidth: number,
  originalHeight: number,
): MaskRegion | null {
  const x0 = Math.max(window.x0, src.left);
  const y0 = Math.max(window.y0, src.top);
  const x1 = Math.min(window.x1, src.left + src.width);
  const y1 = Math.min(window.y1, src.top + src.height);
  if (x1 <= x0 || y1 <= y0) return null;
  if (scaleX === 1 && scaleY === 1) {
    const width = x1 - x0;
    const height = y1 - y0;
    const data = new Uint8Array(width * height);
    for (let r = 0; r < height; r++) {
      const row = (y0 + r - src.top) * src.stride + (x0 - src.left);
      for (let c = 0; c < width; c++) data[r * width + c] = src.data[row + c] > 0.5 ? 1 : 0;
    }
    return { top: y0, left: x0, height, width, data };
  }
  const ox0 = Math.max(0, Math.floor(x0 * scaleX));
  const oy0 = Math.max(0, Math.floor(y0 * scaleY));
  const ox1 = Math.min(originalWidth, Math.ceil(x1 * scaleX));
  const oy1 = Math.min(originalHeight, Math.ceil(y1 * scaleY));
  const width = ox1 - ox0;
  const height = oy1 - oy0;
  if (width <= 0 || height <= 0) return null;
  const data = new Uint8Array(width * height);
  const at = (y: number, x: number) => src.data[(y - src.top) * src.stride + (x - src.left)];
  const clampTo = (v: number, lo: number, hi: number) => Math.min(hi - 1, Math.max(lo, v));
  for (let r = 0; r < height; r++) {
    const fy = clampTo((oy0 + r + 0.5) / scaleY - 0.5, y0, y1);
    const ya = Math.floor(fy);
    const yb = Math.min(y1 - 1, ya + 1);
    const ty = fy - ya;
    for (let c = 0; c < width; c++) {
      const fx = clampTo((ox0 + c + 0.5) / scaleX - 0.5, x0, x1);
      const xa = Math.floor(fx);
      const xb = Math.min(x1 - 1, xa + 1);
      const tx = fx - xa;
      const top = at(ya, xa) * (1 - tx) + at(ya, xb) * tx;
      const bottom = at(yb, xa) * (1 - tx) + at(yb, xb) * tx;
      data[r * width + c] = top * (1 - ty) + bottom * ty > 0.5 ? 1 : 0;
    }
  }
  return { top: oy0, left: ox0, height, width, data };
}
