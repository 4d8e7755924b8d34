/**
 * COCO run-length encoding, compatible with pycocotools (`maskApi.c`:
 * rleEncode, rleToBbox), so `pycocotools.mask.decode(answer.mask)` works on
 * what the API returns. Runs walk the mask in COLUMN-major order (Fortran
 * order, as pycocotools expects) and always start with a run of zeros,
 * possibly empty. The string form is rle-codec.ts.
 */
import type { RleMask } from '../inference/types';
import type { MaskRegion } from './mask-region';
import { internal } from '../errors';
import { countsFromString, countsToString, RleStringWriter } from './rle-codec';

function checkShape(height: number, width: number): void {
  if (!Number.isSafeInteger(height) || !Number.isSafeInteger(width) || height < 0 || width < 0) {
    throw internal(`invalid mask size ${height}×${width}`);
  }
}

/**
 * pycocotools `encode` of a ROW-major height×width mask (any non-zero pixel
 * counts as set). An empty image gives the single empty zero-run "0", as
 * pycocotools does.
 */
export function encodeRle(mask: Uint8Array, height: number, width: number): RleMask {
  checkShape(height, width);
  if (mask.length < height * width) {
    throw internal('mask is smaller than its size');
  }
  const w = new RleStringWriter();
  let value = 0;
  let run = 0;
  for (let col = 0; col < width; col++) {
    for (let i = col, end = col + height * width; i < end; i += width) {
      const v = mask[i] !== 0 ? 1 : 0;
      if (v !== value) {
        w.push(run);
        run = 0;
        value = v;
      }
      run++;
    }
  }
  w.push(run);
  return { size: [height, width], counts: w.toString() };
}

/**
 * Same string as `encodeRle` of the full image mask that is zero everywhere
 * except a row-major regionHeight×regionWidth block at (top, left), without
 * materialising that full mask: the zeros outside the block are added as whole
 * runs, so the cost is O(region), not O(image). The block is clipped to the image.
 */
export function encodeRleRegion(
  region: Uint8Array,
  top: number,
  left: number,
  regionHeight: number,
  regionWidth: number,
  height: number,
  width: number,
): RleMask {
  checkShape(height, width);
  checkShape(regionHeight, regionWidth);
  if (!Number.isSafeInteger(top) || !Number.isSafeInteger(left)) {
    throw internal(`invalid region offset ${top},${left}`);
  }
  if (region.length < regionHeight * regionWidth) {
    throw internal('region data is smaller than its size');
  }
  // Clip to the image; the clipped-away part of the region is simply not read.
  const y0 = Math.max(0, top);
  const y1 = Math.min(height, top + regionHeight);
  const x0 = Math.max(0, left);
  const x1 = Math.min(width, left + regionWidth);
  const w = new RleStringWriter();
  if (y0 >= y1 || x0 >= x1) {
    w.push(height * width);
    return { size: [height, width], counts: w.toString() };
  }
  const rows = y1 - y0;
  const rowOffset = y0 - top;
  const gapBetweenColumns = height - rows;
  let value = 0;
  // Everything before the first covered pixel: whole columns, then the rows above.
  let run = x0 * height + y0;
  for (let col = x0; col < x1; col++) {
    if (col > x0 && gapBetweenColumns > 0) {
      if (value !== 0) {
        w.push(run);
        run = 0;
        value = 0;
      }
      run += gapBetweenColumns;
    }
    let i = rowOffset * regionWidth + (col - left);
    const end = i + rows * regionWidth;
    for (; i < end; i += regionWidth) {
      const v = region[i] !== 0 ? 1 : 0;
      if (v !== value) {
        w.push(run);
        run = 0;
        value = v;
      }
      run++;
    }
  }
  const trailing = height - y1 + (width - x1) * height;
  if (trailing > 0) {
    if (value !== 0) {
      w.push(run);
      run = 0;
    }
    run += trailing;
  }
  w.push(run);
  return { size: [height, width], counts: w.toString() };
}

/** An all-zero mask, for instances whose mask came out empty. */
export function emptyRle(height: number, width: number): RleMask {
  checkShape(height, width);
  return { size: [height, width], counts: countsToString([height * width]) };
}

/**
 * pycocotools `toBbox`: [x, y, width, height] of the set pixels, [0,0,0,0] when
 * none. Mirrors its rule that a run crossing a column boundary spans the full
 * image height.
 */
export function rleToBbox(rle: RleMask): [number, number, number, number] {
  const [h, w] = rle.size;
  const counts = countsFromString(rle.counts);
  const m = counts.length - (counts.length % 2);
  if (m === 0) return [0, 0, 0, 0];
  let xs = w;
  let ys = h;
  let xe = 0;
  let ye = 0;
  let cc = 0;
  let xp = 0;
  for (let j = 0; j < m; j++) {
    cc += counts[j];
    const t = cc - (j % 2);
    const y = t % h;
    const x = (t - y) / h;
    if (j % 2 === 0) xp = x;
    else if (xp < x) {
      ys = 0;
      ye = h - 1;
    }
    xs = Math.min(xs, x);
    xe = Math.max(xe, x);
    ys = Math.min(ys, y);
    ye = Math.max(ye, y);
  }
  return [xs, ys, xe - xs + 1, ye - ys + 1];
}

/** `encodeRleRegion` of a region from pasteBoxMask/resizeMaskToBox; null → all-zero mask. */
export function encodeMaskRegion(
  region: MaskRegion | null,
  height: number,
  width: number,
): RleMask {
  if (region === null) return emptyRle(height, width);
  return encodeRleRegion(
    region.data,
    region.top,
    region.left,
    region.height,
    region.width,
    height,
    width,
  );
}
