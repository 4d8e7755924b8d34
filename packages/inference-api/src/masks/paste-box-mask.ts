/**
 * Pastes a box-relative mask (TF Object Detection API `detection_masks`, e.g.
 * 33×33 floats per detection) into image coordinates, exactly as the API's
 * `utils/ops.py reframe_box_masks_to_image_masks` followed by `> 0.5` does.
 *
 * That function does not resize the mask into the box; it calls
 * `tf.image.crop_and_resize` on the MASK with the image's corners expressed in
 * box coordinates (the "reverse box"), with crop size = image size, bilinear
 * sampling and extrapolation value 0. So the sampling grid is
 * `in_y = y1·(mh−1) + i·(y2−y1)·(mh−1)/(H−1)` (align-corners style, not
 * half-pixel), and every sample outside [0, mh−1] is exactly 0 (no blending
 * with zeros at the edge). Each float operation below is rounded to float32 in
 * the order TensorFlow's CPU kernel performs it, so thresholds land on the same
 * pixels, including at exact ties.
 *
 * Only the pixels whose sample falls inside the mask are computed (the box's
 * pixel span clipped to the image), not the full image.
 */
import type { MaskRegion } from './mask-region';
import { trimRegion } from './mask-region';
import { internal } from '../errors';

const f32 = Math.fround;
/** tf.maximum(ymax − ymin, 1e-4): the API's guard against zero-size boxes, in float32. */
const MIN_EXTENT = f32(1e-4);

interface Axis {
  /** First and last output index whose sample lies inside the mask. */
  first: number;
  last: number;
  /** Per valid output index: floor/ceil source index and float32 lerp weight. */
  lo: Int32Array;
  hi: Int32Array;
  lerp: Float32Array;
}

/**
 * One axis of crop_and_resize: output pixel `i` of `outSize` samples source
 * coordinate `in(i)`; keep the contiguous range of `i` whose coordinate is
 * inside [0, inSize−1]. `in(i)` is non-decreasing in `i` (rounding is
 * monotonic), so binary search finds the range in O(log outSize).
 */
function sampleAxis(b1: number, b2: number, inSize: number, outSize: number): Axis | null {
  const inMax = inSize - 1;
  let coord: (i: number) => number;
  if (outSize > 1) {
    const scale = f32(f32(f32(b2 - b1) * inMax) / (outSize - 1));
    const origin = f32(b1 * inMax);
    coord = (i) => f32(origin + f32(i * scale));
  } else {
    // The kernel samples the box centre when the crop is one pixel wide.
    const centre = f32(0.5 * f32(b1 + b2) * inMax);
    coord = () => centre;
  }
  let lo = 0;
  let hi = outSize;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (coord(mid) < 0) lo = mid + 1;
    else hi = mid;
  }
  const first = lo;
  lo = first;
  hi = outSize;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (coord(mid) > inMax) hi = mid;
    else lo = mid + 1;
  }
  const last = lo - 1;
  if (first > last) return null;
  const n = last - first + 1;
  const axis: Axis = {
    first,
    last,
    lo: new Int32Array(n),
    hi: new Int32Array(n),
    lerp: new Float32Array(n),
  };
  for (let k = 0; k < n; k++) {
    const c = coord(first + k);
    const floor = Math.floor(c);
    axis.lo[k] = floor;
    axis.hi[k] = Math.ceil(c);
    axis.lerp[k] = c - floor; // Float32Array store = float32 rounding, as in the kernel
  }
  return axis;
}

/**
 * @param boxMask row-major maskHeight×maskWidth float32 mask of one detection
 * @param box [ymin, xmin, ymax, xmax] normalized to the image (TF OD API `detection_boxes`)
 * @returns the set pixels as a region trimmed to their bounding box, or null
 *   when none is set. Boxes with zero or negative height/width give null too:
 *   TensorFlow would stretch them to 1e-4 and could set a one-pixel sliver,
 *   which is noise, not an instance mask.
 */
export function pasteBoxMask(
  boxMask: Float32Array,
  maskHeight: number,
  maskWidth: number,
  box: readonly [ymin: number, xmin: number, ymax: number, xmax: number],
  imageHeight: number,
  imageWidth: number,
  threshold = 0.5,
): MaskRegion | null {
  if (maskHeight < 1 || maskWidth < 1 || imageHeight < 1 || imageWidth < 1) return null;
  if (boxMask.length < maskHeight * maskWidth) {
    throw internal('box mask is smaller than its size', {
      details: { values: boxMask.length, maskHeight, maskWidth },
    });
  }
  // Samples outside the mask are 0; a negative threshold would set the whole image.
  if (!(threshold >= 0)) throw internal('mask threshold must be ≥ 0');
  const ymin = f32(box[0]);
  const xmin = f32(box[1]);
  const ymax = f32(box[2]);
  const xmax = f32(box[3]);
  if (![ymin, xmin, ymax, xmax].every(Number.isFinite)) return null;
  if (!(ymax > ymin) || !(xmax > xmin)) return null;

  // reframe_image_corners_relative_to_boxes: the image's [0,0,1,1] in box coordinates.
  const h = Math.max(f32(ymax - ymin), MIN_EXTENT);
  const w = Math.max(f32(xmax - xmin), MIN_EXTENT);
  const rows = sampleAxis(f32(-ymin / h), f32(f32(1 - ymin) / h), maskHeight, imageHeight);
  if (rows === null) return null;
  const cols = sampleAxis(f32(-xmin / w), f32(f32(1 - xmin) / w), maskWidth, imageWidth);
  if (cols === null) return null;

  // The kernel's horizontal lerp only depends on (mask row, output column), so
  // compute it once per mask row instead of twice per output pixel.
  const nCols = cols.last - cols.first + 1;
  const colLo = cols.lo;
  const colHi = cols.hi;
  const colLerp = cols.lerp;
  const horizontal = new Float32Array(maskHeight * nCols);
  for (let r = 0; r < maskHeight; r++) {
    const src = r * maskWidth;
    const dst = r * nCols;
    for (let k = 0; k < nCols; k++) {
      const left = boxMask[src + colLo[k]];
      const right = boxMask[src + colHi[k]];
      horizontal[dst + k] = left + f32(f32(right - left) * colLerp[k]);
    }
  }

  const nRows = rows.last - rows.first + 1;
  const rowLo = rows.lo;
  const rowHi = rows.hi;
  const rowLerp = rows.lerp;
  const data = new Uint8Array(nRows * nCols);
  const limit = f32(threshold);
  for (let j = 0; j < nRows; j++) {
    const topRow = rowLo[j] * nCols;
    const bottomRow = rowHi[j] * nCols;
    const yLerp = rowLerp[j];
    const out = j * nCols;
    for (let k = 0; k < nCols; k++) {
      const top = horizontal[topRow + k];
      const v = f32(top + f32(f32(horizontal[bottomRow + k] - top) * yLerp));
      data[out + k] = v > limit ? 1 : 0;
    }
  }
  return trimRegion({ top: rows.first, left: cols.first, height: nRows, width: nCols, data });
}
