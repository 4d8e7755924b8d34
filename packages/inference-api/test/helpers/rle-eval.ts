/**
 * Evaluation of COCO RLE masks for tests: pycocotools `decode`, `area` and
 * `iou`. The server never decodes its own answers, so these live here.
 */
import type { RleMask } from '../../src/inference/types';
import { countsArea, countsFromString } from '../../src/masks/rle-codec';

function parseCounts(rle: RleMask): { h: number; w: number; counts: number[] } {
  const [h, w] = rle.size;
  const counts = countsFromString(rle.counts);
  let total = 0;
  for (const c of counts) total += c;
  if (total !== h * w) {
    throw new RangeError(`RLE counts cover ${total} pixels, size says ${h * w}`);
  }
  return { h, w, counts };
}

/** pycocotools `decode`, but returned ROW-major (height×width of 0/1). */
export function decodeRle(rle: RleMask): Uint8Array {
  const { h, w, counts } = parseCounts(rle);
  const out = new Uint8Array(h * w);
  let pos = 0; // column-major index of the next pixel
  for (let k = 0; k < counts.length; k++) {
    let remaining = counts[k];
    if (k % 2 === 0) {
      pos += remaining;
      continue;
    }
    while (remaining > 0) {
      const col = Math.floor(pos / h);
      const row = pos - col * h;
      const len = Math.min(remaining, h - row);
      for (let r = row, i = row * w + col; r < row + len; r++, i += w) out[i] = 1;
      pos += len;
      remaining -= len;
    }
  }
  return out;
}

/** pycocotools `area`: the number of set pixels. */
export function rleArea(rle: RleMask): number {
  return countsArea(countsFromString(rle.counts));
}

/**
 * Intersection over union of two masks of the same size (pycocotools `iou`
 * with iscrowd=0), computed by merging runs without decoding. 0 when both are
 * empty.
 */
export function maskIou(a: RleMask, b: RleMask): number {
  if (a.size[0] !== b.size[0] || a.size[1] !== b.size[1]) {
    throw new RangeError(
      `maskIou needs masks of the same size (${a.size.join(',')} vs ${b.size.join(',')})`,
    );
  }
  const ca = countsFromString(a.counts);
  const cb = countsFromString(b.counts);
  const areaA = countsArea(ca);
  const areaB = countsArea(cb);
  // Walk both run lists in lockstep; each step consumes the shorter remaining run.
  let ia = 0;
  let ib = 0;
  let ra = ca.length > 0 ? ca[0] : 0;
  let rb = cb.length > 0 ? cb[0] : 0;
  let inter = 0;
  while (ia < ca.length && ib < cb.length) {
    const step = Math.min(ra, rb);
    if (ia % 2 === 1 && ib % 2 === 1) inter += step;
    ra -= step;
    rb -= step;
    if (ra === 0 && ++ia < ca.length) ra = ca[ia];
    if (rb === 0 && ++ib < cb.length) rb = cb[ib];
  }
  const union = areaA + areaB - inter;
  return union === 0 ? 0 : inter / union;
}
