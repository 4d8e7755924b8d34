/**
 * A binary mask stored only over the rectangle where it can be non-zero.
 *
 * Why: a 1024×1024 image with 100 instances would need 100 MiB of full-image
 * masks, while the instances themselves cover a few hundred pixels each. Every
 * post-processing step here produces a region; `encodeRleRegion` turns it into a
 * full-image COCO RLE without ever materialising the full mask.
 */
export interface MaskRegion {
  /** Row of the region's first row in the image (may be 0..imageHeight). */
  top: number;
  /** Column of the region's first column in the image. */
  left: number;
  height: number;
  width: number;
  /** Row-major height×width of 0/1. */
  data: Uint8Array;
}

/**
 * Shrinks a thresholded region to the bounding box of its set pixels, or null
 * when none is set. Why: callers get a tight mask extent for free, and RLE
 * encoding only walks pixels that matter.
 */
export function trimRegion(region: MaskRegion): MaskRegion | null {
  const { height, width, data } = region;
  let minRow = height;
  let maxRow = -1;
  let minCol = width;
  let maxCol = -1;
  for (let r = 0; r < height; r++) {
    const base = r * width;
    let first = -1;
    let last = -1;
    for (let c = 0; c < width; c++) {
      if (data[base + c] !== 0) {
        if (first < 0) first = c;
        last = c;
      }
    }
    if (first < 0) continue;
    if (r < minRow) minRow = r;
    maxRow = r;
    if (first < minCol) minCol = first;
    if (last > maxCol) maxCol = last;
  }
  if (maxRow < 0) return null;
  const h = maxRow - minRow + 1;
  const w = maxCol - minCol + 1;
  if (h === height && w === width) return region;
  const out = new Uint8Array(h * w);
  for (let r = 0; r < h; r++) {
    const src = (r + minRow) * width + minCol;
    out.set(data.subarray(src, src + w), r * w);
  }
  return { top: region.top + minRow, left: region.left + minCol, height: h, width: w, data: out };
}

/**
 * Writes the region into a full row-major image mask. For tests, overlays and
 * callers that really need the whole image; the hot path never calls this.
 */
export function regionToFullMask(
  region: MaskRegion | null,
  imageHeight: number,
  imageWidth: number,
): Uint8Array {
  const out = new Uint8Array(imageHeight * imageWidth);
  if (region === null) return out;
  for (let r = 0; r < region.height; r++) {
    const y = region.top + r;
    if (y < 0 || y >= imageHeight) continue;
    for (let c = 0; c < region.width; c++) {
      const x = region.left + c;
      if (x < 0 || x >= imageWidth) continue;
      out[y * imageWidth + x] = region.data[r * region.width + c] !== 0 ? 1 : 0;
    }
  }
  return out;
}
