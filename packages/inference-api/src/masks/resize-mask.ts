/**
 * Matterport Mask R-CNN `utils.unmold_mask`: resize the 28×28 mask of one
 * detection to its integer pixel box and threshold at ≥ 0.5.
 *
 * Matterport calls `skimage.transform.resize(mask, (y2−y1, x2−x1), order=1,
 * mode='constant', cval=0, clip=True, anti_aliasing=False)`. In skimage ≥ 0.19
 * that is `scipy.ndimage.zoom(grid_mode=True, mode='grid-constant')`:
 * - half-pixel centres: output index k samples `(k + 0.5)·in/out − 0.5`;
 * - linear weights computed as scipy does (`w0 = 1 − t`, `w1 = 1 − w0`), terms
 *   summed in scipy's order, all in float64, result stored as float32;
 * - neighbours outside the mask read as cval 0, so edge pixels blend with 0;
 * - clip=True then clips to the mask's own [min, max] (keeping exact cval
 *   pixels when 0 is outside that range). This matters: a mask whose values are
 *   all above 0.5 fills its whole box, because the blended edge pixels are
 *   clipped back up to the minimum.
 * Older skimage (0.14–0.18, `warp` with the same inverse map) computes the same
 * values up to float64 rounding.
 */
import type { MaskRegion } from './mask-region';
import { trimRegion } from './mask-region';
import { internal } from '../errors';

interface LinearAxis {
  /** Lower source index per output index (may be −1 or inSize−1 at the edges). */
  start: Int32Array;
  w0: Float64Array;
  w1: Float64Array;
}

function linearAxis(inSize: number, outSize: number, from: number, count: number): LinearAxis {
  const zoom = inSize / outSize;
  const axis: LinearAxis = {
    start: new Int32Array(count),
    w0: new Float64Array(count),
    w1: new Float64Array(count),
  };
  for (let k = 0; k < count; k++) {
    const cc = (from + k + 0.5) * zoom - 0.5;
    const start = Math.floor(cc);
    const w0 = 1 - (cc - start);
    axis.start[k] = start;
    axis.w0[k] = w0;
    axis.w1[k] = 1 - w0;
  }
  return axis;
}

/**
 * @param mask row-major maskHeight×maskWidth float32 mask of one detection
 * @param y1 x1 y2 x2 integer pixel box in the image (y2, x2 exclusive), may
 *   reach outside the image: the part outside is dropped (Matterport would
 *   fail or wrap there)
 * @returns set pixels as a region trimmed to their bounding box, or null when
 *   none is set or the box is empty
 */
export function resizeMaskToBox(
  mask: Float32Array,
  maskHeight: number,
  maskWidth: number,
  y1: number,
  x1: number,
  y2: number,
  x2: number,
  imageHeight: number,
  imageWidth: number,
  threshold = 0.5,
): MaskRegion | null {
  if (![y1, x1, y2, x2].every(Number.isSafeInteger)) {
    throw internal('resizeMaskToBox needs an integer pixel box', {
      details: { box: [y1, x1, y2, x2] },
    });
  }
  if (mask.length < maskHeight * maskWidth) {
    throw internal('mask is smaller than its size', {
      details: { values: mask.length, maskHeight, maskWidth },
    });
  }
  const outH = y2 - y1;
  const outW = x2 - x1;
  if (outH <= 0 || outW <= 0 || maskHeight < 1 || maskWidth < 1) return null;
  // Only the part of the box inside the image is computed.
  const r0 = Math.max(0, -y1);
  const r1 = Math.min(outH, imageHeight - y1);
  const c0 = Math.max(0, -x1);
  const c1 = Math.min(outW, imageWidth - x1);
  if (r0 >= r1 || c0 >= c1) return null;

  let min = Infinity;
  let max = -Infinity;
  for (let i = 0, n = maskHeight * maskWidth; i < n; i++) {
    const v = mask[i];
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const keepCval = !(min <= 0 && 0 <= max);
  const limit = Math.fround(threshold);

  // A zero border stands in for cval: out-of-range neighbours then add 0·w,
  // which leaves the sum bit-identical to skipping them, without a branch.
  const pw = maskWidth + 2;
  const padded = new Float32Array((maskHeight + 2) * pw);
  for (let r = 0; r < maskHeight; r++) {
    padded.set(mask.subarray(r * maskWidth, (r + 1) * maskWidth), (r + 1) * pw + 1);
  }
  const rows = linearAxis(maskHeight, outH, r0, r1 - r0);
  const cols = linearAxis(maskWidth, outW, c0, c1 - c0);
  const nRows = r1 - r0;
  const nCols = c1 - c0;
  const colStart = cols.start;
  const colW0 = cols.w0;
  const colW1 = cols.w1;
  const data = new Uint8Array(nRows * nCols);
  for (let j = 0; j < nRows; j++) {
    const wy0 = rows.w0[j];
    const wy1 = rows.w1[j];
    // Padded row of source row `start` is start + 1; its column sx is sx + 1.
    const top = (rows.start[j] + 1) * pw + 1;
    const bottom = top + pw;
    const out = j * nCols;
    for (let k = 0; k < nCols; k++) {
      const sx = colStart[k];
      const wx0 = colW0[k];
      const wx1 = colW1[k];
      // scipy accumulates value·wy·wx over the 2×2 neighbourhood, x fastest.
      let t = 0;
      t += padded[top + sx] * wy0 * wx0;
      t += padded[top + sx + 1] * wy0 * wx1;
      t += padded[bottom + sx] * wy1 * wx0;
      t += padded[bottom + sx + 1] * wy1 * wx1;
      let v = Math.fround(t);
      if (!(keepCval && v === 0)) v = v < min ? min : v > max ? max : v;
      data[out + k] = v >= limit ? 1 : 0;
    }
  }
  return trimRegion({ top: y1 + r0, left: x1 + c0, height: nRows, width: nCols, data });
}
