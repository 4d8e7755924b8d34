/**
 * The COCO RLE string codec, byte-for-byte pycocotools (`maskApi.c`:
 * rleToString, rleFrString): each count (after the first three, as a delta to
 * the count two places back, which is the same pixel value) is stored as
 * little-endian 5-bit groups + 48, bit 0x20 = "more groups follow", with the
 * sign taken from bit 0x10 of the last group.
 *
 * Dependency-free on purpose: the build also compiles this file to an ES module
 * served as /static/rle-codec.js, which the upload page imports, so the browser
 * and the server decode masks with the same code.
 *
 * All arithmetic uses Number, not 32-bit integer ops, wherever a value can pass
 * 2^31: a run on a 50k×50k image does, and pycocotools' `uint` counts would wrap.
 */

/** A counts string that is not in pycocotools' rleToString form. */
export class RleFormatError extends Error {
  constructor(
    message: string,
    /** Index in the string where decoding stopped. */
    readonly offset: number,
  ) {
    super(message);
    this.name = 'RleFormatError';
  }
}

const TWO_POW_31 = 2147483648;
/** 11 groups carry 55 bits, past 2^53; anything longer cannot be an exact count. */
const MAX_GROUPS = 11;

/**
 * Streams counts into the pycocotools string form without keeping them all:
 * delta coding only ever looks two counts back.
 */
export class RleStringWriter {
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

/** pycocotools `rleToString` over a whole counts array. */
export function countsToString(counts: readonly number[]): string {
  const w = new RleStringWriter();
  for (const c of counts) w.push(c);
  return w.toString();
}

/** pycocotools `rleFrString`; throws RleFormatError on a malformed string. */
export function countsFromString(s: string): number[] {
  const counts: number[] = [];
  let p = 0;
  while (p < s.length) {
    let x = 0;
    let k = 0;
    let more = true;
    while (more) {
      if (p >= s.length || k >= MAX_GROUPS) {
        throw new RleFormatError('truncated or oversized RLE count', p);
      }
      const c = s.charCodeAt(p) - 48;
      if (c < 0 || c > 63) {
        throw new RleFormatError('invalid character in RLE counts', p);
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
      throw new RleFormatError('negative run in RLE counts', p);
    }
    counts.push(x);
  }
  return counts;
}

/** The number of set pixels of a counts array (pycocotools `area`): the odd runs. */
export function countsArea(counts: readonly number[]): number {
  let area = 0;
  for (let k = 1; k < counts.length; k += 2) area += counts[k];
  return area;
}
