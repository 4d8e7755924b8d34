/**
 * COCO run-length encoding, byte-for-byte compatible with pycocotools
 * (`maskApi.c`: rleEncode, rleToString, rleFrString, rleArea, rleToBbox, rleIou),
 * so `pycocotools.mask.decode(answer.mask)` works on what the API returns.
 *
 * Conventions that matter for compatibility:
 * - runs walk the mask in COLUMN-major order (Fortran order, as pycocotools
 *   expects) and always start with a run of zeros, possibly empty;
 * - the string form stores each count (after the first three, as a delta to the
 *   count two places back, which is the same pixel value) as little-endian
 *   5-bit groups + 48, bit 0x20 = "more groups follow", with the sign taken
 *   from bit 0x10 of the last group.
 *
 * All arithmetic uses Number, not 32-bit integer ops, wherever a value can pass
 * 2^31: a run on a 50k×50k image does, and pycocotools' `uint` counts would wrap.
 */
import type { RleMask } from '../inference/types';
import type { MaskRegion } from './mask-region';
import { InferenceApiError } from '../errors';

const TWO_POW_31 = 2147483648;
/** 11 groups carry 55 bits, past 2^53; anything longer cannot be an exact count. */
const MAX_GROUPS = 11;

/**
 * Streams counts into the pycocotools string form without keeping them all:
 * delta coding only ever looks two counts back.
 */
class RleStringWriter {
  private buf = new Uint8Array(64);
  private len = 0;
  private index = 0;
  private prev1 = 0;
  private prev2 = 0;

  push(count: number): void {
    let x = this.index > 2 ? count - this.prev2 : count;
    this.prev2 = this.prev1;
    this.prev1 = count;
    this.index++;
    if (this.len + MAX_GROUPS + 1 > this.buf.length) {
      const next = new Uint8Array(this.buf.length * 2);
      next.set(this.buf);
      this.buf = next;
    }
    let more = true;
    while (more) {
      let c: number;
      if (x >= -TWO_POW_31 && x < TWO_POW_31) {
        // Fast path: in int32 range `>>` is exactly floor division by 32.
        c = x & 0x1f;
        x >>= 5;
      } else {
        const q = Math.floor(x / 32);
        c = x - q * 32;
        x = q;
      }
      more = (c & 0x10) !== 0 ? x !== -1 : x !== 0;
      if (more) c |= 0x20;
      this.buf[this.len++] = c + 48;
    }
  }

  toString(): string {
    let out = '';
    // fromCharCode.apply has an argument-count limit; chunk to stay under it.
    for (let i = 0; i < this.len; i += 8192) {
      out += String.fromCharCode.apply(
        null,
        this.buf.subarray(i, Math.min(this.len, i + 8192)) as unknown as number[],
      );
    }
    return out;
  }
}

function checkShape(height: number, width: number): void {
  if (!Number.isSafeInteger(height) || !Number.isSafeInteger(width) || height < 0 || width < 0) {
    throw new InferenceApiError('INTERNAL', `invalid mask size ${height}×${width}`);
  }
}

/** pycocotools `rleToString` over a whole counts array. */
export function countsToString(counts: readonly number[]): string {
  const w = new RleStringWriter();
  for (const c of counts) w.push(c);
  return w.toString();
}

/** pycocotools `rleFrString`; throws INVALID_REQUEST on a malformed string. */
export function countsFromString(s: string): number[] {
  const counts: number[] = [];
  let p = 0;
  while (p < s.length) {
    let x = 0;
    let k = 0;
    let more = true;
    while (more) {
      if (p >= s.length || k >= MAX_GROUPS) {
        throw new InferenceApiError('INVALID_REQUEST', 'truncated or oversized RLE count', {
          details: { offset: p },
        });
      }
      const c = s.charCodeAt(p) - 48;
      if (c < 0 || c > 63) {
        throw new InferenceApiError('INVALID_REQUEST', 'invalid character in RLE counts', {
          details: { offset: p },
        });
      }
      const weight = 2 ** (5 * k);
      x += (c & 0x1f) * weight;
      more = (c & 0x20) !== 0;
      p++;
      k++;
      // Sign extension: the value so far is < 2^(5k); subtracting 2^(5k) is `x |= -1 << 5k`.
      if (!more && (c & 0x10) !== 0) x -= weight * 32;
    }
    if (counts.length > 2) x += counts[counts.length - 2];
    if (x < 0) {
      throw new InferenceApiError('INVALID_REQUEST', 'negative run in RLE counts', {
        details: { index: counts.length },
      });
    }
    counts.push(x);
  }
  return counts;
}

/**
 * pycocotools `encode` of a ROW-major height×width mask (any non-zero pixel
 * counts as set). An empty image gives the single empty zero-run "0", as
 * pycocotools does.
 */
export function encodeRle(mask: Uint8Array, height: number, width: number): RleMask {
  checkShape(height, width);
  if (mask.length < height * width) {
    throw new InferenceApiError('INTERNAL', 'mask is smaller than its size');
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
    throw new InferenceApiError('INTERNAL', `invalid region offset ${top},${left}`);
  }
  if (region.length < regionHeight * regionWidth) {
    throw new InferenceApiError('INTERNAL', 'region data is smaller than its size');
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

function parseCounts(rle: RleMask): { h: number; w: number; counts: number[] } {
  const [h, w] = rle.size;
  checkShape(h, w);
  const counts = countsFromString(rle.counts);
  let total = 0;
  for (const c of counts) total += c;
  if (total !== h * w) {
    throw new InferenceApiError(
      'INVALID_REQUEST',
      `RLE counts cover ${total} pixels, size says ${h * w}`,
    );
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
  const counts = countsFromString(rle.counts);
  let area = 0;
  for (let k = 1; k < counts.length; k += 2) area += counts[k];
  return area;
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

/**
 * Intersection over union of two masks of the same size (pycocotools `iou`
 * with iscrowd=0), computed by merging runs without decoding. 0 when both are
 * empty.
 */
export function maskIou(a: RleMask, b: RleMask): number {
  if (a.size[0] !== b.size[0] || a.size[1] !== b.size[1]) {
    throw new InferenceApiError('INTERNAL', 'maskIou needs masks of the same size', {
      details: { a: a.size, b: b.size },
    });
  }
  const ca = countsFromString(a.counts);
  const cb = countsFromString(b.counts);
  let areaA = 0;
  for (let k = 1; k < ca.length; k += 2) areaA += ca[k];
  let areaB = 0;
  for (let k = 1; k < cb.length; k += 2) areaB += cb[k];
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
