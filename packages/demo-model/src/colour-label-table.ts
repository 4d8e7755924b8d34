import { COLOUR_TOLERANCE, PALETTE, PALETTE_COLOURS } from './palette';

/**
 * Lookup tables that turn an RGB pixel into a palette label (0 = none,
 * k+1 = PALETTE_COLOURS[k]) with two gathers instead of an 8×H×W comparison.
 *
 * Per channel, the values 0..255 fall into a few intervals with the same set of
 * palette colours in tolerance; `channelIntervals[c][v]` is that interval's id.
 * `labels[(qr * sizes[1] + qg) * sizes[2] + qb]` is the colour matching on all
 * three channels. Exact for the ±COLOUR_TOLERANCE rule: no quantisation.
 */
export interface ColourLabelTable {
  channelIntervals: [number[], number[], number[]];
  sizes: [number, number, number];
  labels: number[];
}

export function buildColourLabelTable(): ColourLabelTable {
  const masks: number[][] = [];
  const channelIntervals = [0, 1, 2].map((c) => {
    const ids = new Map<number, number>();
    const perValue: number[] = [];
    const intervalMask: number[] = [];
    for (let v = 0; v < 256; v++) {
      let mask = 0;
      PALETTE_COLOURS.forEach((name, k) => {
        if (Math.abs(PALETTE[name][c] - v) <= COLOUR_TOLERANCE) mask |= 1 << k;
      });
      let id = ids.get(mask);
      if (id === undefined) {
        id = ids.size;
        ids.set(mask, id);
        intervalMask.push(mask);
      }
      perValue.push(id);
    }
    masks.push(intervalMask);
    return perValue;
  }) as [number[], number[], number[]];
  const sizes = masks.map((m) => m.length) as [number, number, number];
  const labels: number[] = [];
  for (const mr of masks[0]) {
    for (const mg of masks[1]) {
      for (const mb of masks[2]) {
        const both = mr & mg & mb;
        if (both !== 0 && (both & (both - 1)) !== 0) {
          throw new Error('palette colours closer than twice the tolerance');
        }
        labels.push(both === 0 ? 0 : Math.log2(both) + 1);
      }
    }
  }
  return { channelIntervals, sizes, labels };
}

/**
 * The three per-channel tables end to end (channel c at offset 256·c), each interval
 * id times its channel's stride in `labels`: the sum of the three entries for
 * (r, g + 256, b + 512) is the pixel's index into `labels`.
 */
export function strideTable(table: ColourLabelTable): number[] {
  const [, sg, sb] = table.sizes;
  const strides = [sg * sb, sb, 1];
  return table.channelIntervals.flatMap((ids, c) => ids.map((id) => id * strides[c]));
}
