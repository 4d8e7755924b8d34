/**
 * Box-relative masks `[N,1,M,M]` (exports that leave `paste_masks_in_image` out
 * of the graph) pasted into the input image exactly as torchvision's
 * roi_heads.py does: `expand_masks` pads the M×M mask with one zero on every
 * side and returns scale (M+2)/M; `expand_boxes` grows the box by that scale
 * about its centre and the result is cast to int64 (truncation toward zero);
 * `paste_mask_in_image` resizes the padded mask to (y1−y0+1)×(x1−x0+1) with
 * `F.interpolate(mode='bilinear', align_corners=False)` and copies the part
 * inside the image. Arithmetic is rounded to float32 where PyTorch computes in
 * float32. Only the box's pixels are produced.
 */
import type { FloatRegion } from './float-region';

const f32 = Math.fround;

/**
 * One axis of PyTorch's upsample_bilinear2d (align_corners=False, no scale
 * factor), for output indices [from, from + count) only: a box far larger than
 * the image (a hostile or broken model) costs what its visible part costs.
 */
function linearAxis(inSize: number, outSize: number, from: number, count: number) {
  const scale = f32(inSize / outSize);
  const i0 = new Int32Array(count);
  const i1 = new Int32Array(count);
  const l0 = new Float32Array(count);
  const l1 = new Float32Array(count);
  for (let k = 0; k < count; k++) {
    // area_pixel_compute_source_index: negative source coordinates clamp to 0.
    const real = Math.max(0, f32(f32(scale * f32(from + k + 0.5)) - 0.5));
    const lo = Math.trunc(real);
    i0[k] = lo;
    i1[k] = lo + (lo < inSize - 1 ? 1 : 0);
    l1[k] = f32(real - lo);
    l0[k] = f32(1 - l1[k]);
  }
  return { i0, i1, l0, l1 };
}

/**
 * @param mask row-major maskHeight×maskWidth probabilities of one detection
 * @param box x1, y1, x2, y2 in input pixels
 * @returns the pasted probabilities over the (expanded) box clipped to the image, or null
 */
export function pasteTorchvisionMask(
  mask: Float32Array,
  maskHeight: number,
  maskWidth: number,
  box: readonly [number, number, number, number],
  imageHeight: number,
  imageWidth: number,
): FloatRegion | null {
  const scale = f32(f32(maskWidth + 2) / f32(maskWidth));
  const [bx1, by1, bx2, by2] = box.map(f32) as [number, number, number, number];
  const wHalf = f32(f32(f32(bx2 - bx1) * 0.5) * scale);
  const hHalf = f32(f32(f32(by2 - by1) * 0.5) * scale);
  const xc = f32(f32(bx2 + bx1) * 0.5);
  const yc = f32(f32(by2 + by1) * 0.5);
  const x0 = Math.trunc(f32(xc - wHalf));
  const x1 = Math.trunc(f32(xc + wHalf));
  const y0 = Math.trunc(f32(yc - hHalf));
  const y1 = Math.trunc(f32(yc + hHalf));
  const w = Math.max(x1 - x0 + 1, 1);
  const h = Math.max(y1 - y0 + 1, 1);

  const left = Math.max(x0, 0);
  const right = Math.min(x1 + 1, imageWidth);
  const top = Math.max(y0, 0);
  const bottom = Math.min(y1 + 1, imageHeight);
  if (right <= left || bottom <= top) return null;

  // The padded mask, read through a function instead of being allocated.
  const ph = maskHeight + 2;
  const pw = maskWidth + 2;
  const padded = (y: number, x: number) =>
    y === 0 || x === 0 || y === ph - 1 || x === pw - 1 ? 0 : mask[(y - 1) * maskWidth + (x - 1)];
  const width = right - left;
  const height = bottom - top;
  const ys = linearAxis(ph, h, top - y0, height);
  const xs = linearAxis(pw, w, left - x0, width);
  const data = new Float32Array(width * height);
  for (let r = 0; r < height; r++) {
    const [ya, yb, h0, h1] = [ys.i0[r], ys.i1[r], ys.l0[r], ys.l1[r]];
    for (let c = 0; c < width; c++) {
      const [xa, xb, w0, w1] = [xs.i0[c], xs.i1[c], xs.l0[c], xs.l1[c]];
      const upper = f32(f32(w0 * padded(ya, xa)) + f32(w1 * padded(ya, xb)));
      const lower = f32(f32(w0 * padded(yb, xa)) + f32(w1 * padded(yb, xb)));
      data[r * width + c] = f32(f32(h0 * upper) + f32(h1 * lower));
    }
  }
  return { data, top, left, height, width, stride: width };
}
