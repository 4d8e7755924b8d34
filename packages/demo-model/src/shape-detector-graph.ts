import { buildColourLabelTable, strideTable } from './colour-label-table';
import { DType } from './graph-builder';
import { openLabels } from './open-labels-graph';
import type { GraphOps } from './graph-ops';
import { CIRCLE_MIN_FILL, MIN_SHAPE_PIXELS, PALETTE_COLOURS, SQUARE_MIN_FILL } from './palette';

export const SLOTS = PALETTE_COLOURS.length;
/** Added to a missing row's index so Min() ignores it. */
const FAR = 1e7;

/** Node names of the per-colour results; `[8]` tensors are in palette order. */
export interface DetectedColours {
  /** int32 [H,W]: 0 = no palette colour, k+1 = PALETTE_COLOURS[k] */
  label: string;
  /** float scalars */
  height: string;
  width: string;
  /** float [8]: first/last row and column holding the colour (0 when absent) */
  ymin: string;
  xmin: string;
  ymax: string;
  xmax: string;
  /** float [8]: 1 for a colour with at least MIN_SHAPE_PIXELS pixels */
  present: string;
  /** float [8]: 1 square, 2 circle, 3 triangle, 0 absent */
  classId: string;
  /** int32 [8]: palette slots, present ones first, each group in palette order */
  order: string;
}

/** Added to channel c's value to index its part of the per-channel table. */
export const CHANNEL_OFFSETS = [0, 256, 512] as const;

/**
 * The common part of both demo graphs. `channelCodes` is a float32 [1,H,W,3]
 * tensor of integers: channel c's value 0..255 plus CHANNEL_OFFSETS[c] (the
 * callers fold the offset into a float op they need anyway; on wasm a float32
 * broadcast is cheap, an int32 one is not).
 *
 * Every full-image step is one cheap pass (wasm timings drove this): the
 * colour label comes from two GatherNd table lookups (per-channel interval,
 * then the colour matching all three), and the rows/columns each colour
 * occupies from two Bincount histograms (row·9 + label, column·9 + label).
 * Everything after that works on [8,H] / [8,W] sized tensors.
 */
export function addShapeDetector(g: GraphOps, channelCodes: string): DetectedColours {
  g.scope = 'detect';
  const table = buildColourLabelTable();
  const channelTable = strideTable(table);
  const perChannel = g.gatherNd(
    g.constant(channelTable, [channelTable.length], DType.INT32),
    g.expandDims(g.cast(channelCodes, DType.INT32), 4),
  );
  const cell = g.expandDims(g.squeeze(g.sum(perChannel, [3]), [0]), 2);
  const label = openLabels(
    g,
    g.gatherNd(g.constant(table.labels, [table.labels.length], DType.INT32), cell),
  );

  const shape = g.shape(channelCodes);
  const heightI = g.element(g.stridedSlice(shape, [1], [2]), 0);
  const widthI = g.element(g.stridedSlice(shape, [2], [3]), 0);
  const height = g.cast(heightI, DType.FLOAT);
  const width = g.cast(widthI, DType.FLOAT);
  const rowIndex = g.cast(g.range(g.i(0), heightI, g.i(1)), DType.FLOAT);
  const colIndex = g.cast(g.range(g.i(0), widthI, g.i(1)), DType.FLOAT);

  g.scope = 'detect/histograms';
  // Per-row (per-column) label histograms as one Bincount of index·9 + label,
  // reshaped to [rows, 9], then [8, rows] without the "no colour" label.
  const labels = SLOTS + 1;
  const labelF = g.cast(label, DType.FLOAT);
  const histogram = (index: string, axis: number, extent: string): string => {
    const keys = g.add(labelF, g.expandDims(g.mul(index, g.f(labels)), axis));
    const counts = g.bincount(
      g.reshape(g.cast(keys, DType.INT32), [-1]),
      g.mul(extent, g.i(labels)),
    );
    const perIndex = g.reshape(counts, [-1, labels]);
    return g.stridedSlice(g.transpose(perIndex, [1, 0]), [1, 0], [labels, 0], { end: 0b10 });
  };
  const rowCounts = histogram(rowIndex, 1, heightI);
  const colCounts = histogram(colIndex, 0, widthI);
  const rows = g.stepGe(rowCounts, g.f(1));
  const cols = g.stepGe(colCounts, g.f(1));
  const count = g.sum(rowCounts, [1]);

  g.scope = 'detect/boxes';
  const present = g.stepGe(count, g.f(MIN_SHAPE_PIXELS));
  const first = (occupied: string, index: string): string =>
    g.mul(g.min(g.add(index, g.mul(g.sub(g.f(1), occupied), g.f(FAR))), [1]), present);
  const last = (occupied: string, index: string): string =>
    g.mul(g.max(g.mul(index, occupied), [1]), present);
  const ymin = first(rows, rowIndex);
  const xmin = first(cols, colIndex);
  const ymax = last(rows, rowIndex);
  const xmax = last(cols, colIndex);

  g.scope = 'detect/classes';
  const boxArea = g.mul(g.add(g.sub(ymax, ymin), g.f(1)), g.add(g.sub(xmax, xmin), g.f(1)));
  const fill = g.div(count, g.maximum(boxArea, g.f(1)));
  const notSquare = g.sub(g.f(1), g.stepGe(fill, g.f(SQUARE_MIN_FILL)));
  const notCircle = g.sub(g.f(1), g.stepGe(fill, g.f(CIRCLE_MIN_FILL)));
  const classId = g.mul(g.add(g.add(g.f(1), notSquare), notCircle), present);

  g.scope = 'detect/order';
  // Present colours first; the palette-order tie-break keeps TopK deterministic on every backend.
  const tieBreak = g.constant(
    PALETTE_COLOURS.map((_, k) => (SLOTS - k) / 1024),
    [SLOTS],
    DType.FLOAT,
  );
  const [, order] = g.topK(g.add(present, tieBreak), SLOTS);

  return { label, height, width, ymin, xmin, ymax, xmax, present, classId, order };
}
