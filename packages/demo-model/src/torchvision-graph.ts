import { buildColourLabelTable, strideTable } from './colour-label-table';
import { OnnxBuilder, OnnxType } from './onnx-builder';
import { REACH } from './open-labels-graph';
import { CIRCLE_MIN_FILL, MIN_SHAPE_PIXELS, MIN_SHAPE_THICKNESS, SQUARE_MIN_FILL } from './palette';
import { CHANNEL_OFFSETS, SLOTS } from './shape-detector-graph';
import { DEMO_SCORE } from './tf-od-api-graph';

/** Typed shorthands over OnnxBuilder for the ops this graph uses. */
class Ops extends OnnxBuilder {
  cast(x: string, to: OnnxType): string {
    return this.op('Cast', [x], { to: { int: to } });
  }
  binary(type: 'Add' | 'Sub' | 'Mul' | 'Div' | 'Equal' | 'Less' | 'And', a: string, b: string) {
    return this.op(type, [a, b]);
  }
  reduceMax(x: string, axes: readonly number[]): string {
    return this.op('ReduceMax', [x], { axes: { ints: axes }, keepdims: { int: 0 } });
  }
  /** The first (or, with `last`, the last) index of the maximum along `axis`. */
  argMax(x: string, axis: number, last: boolean): string {
    return this.op('ArgMax', [x], {
      axis: { int: axis },
      keepdims: { int: 0 },
      select_last_index: { int: last ? 1 : 0 },
    });
  }
  /** A tensor of `shapeOf`'s shape, filled with `value`. */
  filled(shapeOf: string, type: OnnxType, value: number): string {
    return this.op('ConstantOfShape', [this.op('Shape', [shapeOf])], {
      value: { tensor: { type, values: [value] } },
    });
  }
  /** MaxPool with stride 1 and padding that keeps the size (padding never wins a max). */
  maxPool(x: string, kh: number, kw: number): string {
    const [ph, pw] = [(kh - 1) / 2, (kw - 1) / 2];
    return this.op('MaxPool', [x], {
      kernel_shape: { ints: [kh, kw] },
      pads: { ints: [ph, pw, ph, pw] },
    });
  }
}

/**
 * The torchvision variant (ONNX, opset 17): `images` float32 [3,H,W] RGB in [0,1], any
 * H and W → `boxes` [N,4] (x1,y1,x2,y2 in input pixels, x2 = last column + 1),
 * `labels` int64 [N], `scores` [N], `masks` [N,1,H,W] (1 inside, 0 outside): one
 * instance per palette colour present (N = 0..8), in palette order (all scores equal).
 *
 * The TF.js graphs' detector in ONNX ops, at the input's own size (no resize): the
 * colour label from two table Gathers, the same opening by reconstruction, then the
 * per-colour pixel counts (one ScatterElements add: a bincount) and, only for the
 * colours present (NonZero), a full-size mask (Equal) whose row and column maxima
 * give the box (ArgMax first/last) and whose fill of the box gives the class.
 */
export function buildTorchvisionGraph(score = DEMO_SCORE): Buffer {
  const g = new Ops();
  const images = g.input('images', OnnxType.FLOAT, [3, 'H', 'W']);

  g.scope = 'detect/colours';
  const table = buildColourLabelTable();
  const levels = g.op('Clip', [
    g.op('Round', [g.binary('Mul', images, g.f(255))]),
    g.f(0),
    g.f(255),
  ]);
  const offsets = g.constant(OnnxType.FLOAT, [3, 1, 1], CHANNEL_OFFSETS);
  const codes = g.cast(g.binary('Add', levels, offsets), OnnxType.INT32); // [3,H,W]
  const channelTable = strideTable(table);
  const perChannel = g.op('Gather', [
    g.constant(OnnxType.INT32, [channelTable.length], channelTable),
    codes,
  ]);
  // (A 1×1 Conv summing the channels was slower here: ORT reorders it to NCHWc and back.)
  const cell = g.op('ReduceSum', [perChannel, g.ints([0])], { keepdims: { int: 0 } });
  const labelTable = g.constant(OnnxType.FLOAT, [table.labels.length], table.labels);
  const raw = g.op('Gather', [labelTable, g.op('Unsqueeze', [cell, g.ints([0, 1])])]); // 0 none, k+1 slot k
  const label = openLabels(g, raw); // [1,1,H,W]

  g.scope = 'detect/present';
  const flat = g.cast(g.op('Reshape', [label, g.ints([-1])]), OnnxType.INT64);
  const zeros = g.constant(OnnxType.FLOAT, [SLOTS + 1], new Array<number>(SLOTS + 1).fill(0));
  const counts = g.op('ScatterElements', [zeros, flat, g.filled(flat, OnnxType.FLOAT, 1)], {
    axis: { int: 0 },
    reduction: { string: 'add' },
  }); // [9]: pixels per label
  const colour = g.constant(OnnxType.BOOL, [SLOTS + 1], [0, ...new Array<number>(SLOTS).fill(1)]);
  const present = g.binary('And', g.op('GreaterOrEqual', [counts, g.f(MIN_SHAPE_PIXELS)]), colour);
  const found = g.op('Reshape', [g.op('NonZero', [present]), g.ints([-1])]); // int64 [N]: labels

  g.scope = 'detect/masks';
  const foundColumn = g.op('Reshape', [g.cast(found, OnnxType.FLOAT), g.ints([-1, 1, 1, 1])]);
  const masks = g.cast(g.binary('Equal', label, foundColumn), OnnxType.FLOAT); // [N,1,H,W]

  g.scope = 'detect/boxes';
  const rows = g.reduceMax(masks, [1, 3]); // [N,H]
  const cols = g.reduceMax(masks, [1, 2]); // [N,W]
  // x2, y2 = last occupied column, row + 1 (torchvision's pixel-edge boxes).
  const first = (occupied: string): string => g.cast(g.argMax(occupied, 1, false), OnnxType.FLOAT);
  const end = (occupied: string): string =>
    g.binary('Add', g.cast(g.argMax(occupied, 1, true), OnnxType.FLOAT), g.f(1));
  const [y1, x1, y2, x2] = [first(rows), first(cols), end(rows), end(cols)];

  g.scope = 'detect/classes';
  const area = g.binary('Mul', g.binary('Sub', y2, y1), g.binary('Sub', x2, x1));
  const fill = g.binary('Div', g.op('Gather', [counts, found]), area);
  const below = (threshold: number): string =>
    g.cast(g.binary('Less', fill, g.f(threshold)), OnnxType.INT64);
  const one = g.constant(OnnxType.INT64, [], [1]);
  const classes = g.binary(
    'Add',
    g.binary('Add', below(SQUARE_MIN_FILL), below(CIRCLE_MIN_FILL)),
    one,
  );

  g.scope = 'outputs';
  const column = (x: string): string => g.op('Unsqueeze', [x, g.ints([1])]);
  const boxes = g.op('Concat', [column(x1), column(y1), column(x2), column(y2)], {
    axis: { int: 1 },
  });
  g.output('boxes', boxes, OnnxType.FLOAT, ['N', 4]);
  g.output('labels', classes, OnnxType.INT64, ['N']);
  g.output('scores', g.filled(found, OnnxType.FLOAT, score), OnnxType.FLOAT, ['N']);
  g.output('masks', masks, OnnxType.FLOAT, ['N', 1, 'H', 'W']);

  return g.build(
    'maskops-shapes-demo-torchvision',
    'Generated demo model: finds solid palette-coloured squares, circles and triangles. Not a trained network.',
  );
}

/**
 * openLabels (open-labels-graph.ts, which says why) on a float [1,1,H,W] label
 * image: a pixel is in its colour's core when its k×k window holds that label only
 * (max + max(−x) = 0), and kept when the largest core label within REACH is its own.
 */
function openLabels(g: Ops, labels: string): string {
  g.scope = 'detect/open';
  const k = MIN_SHAPE_THICKNESS;
  const spread = g.binary('Add', g.maxPool(labels, k, k), g.maxPool(g.op('Neg', [labels]), k, k));
  const zero = g.f(0);
  const core = g.op('Where', [g.binary('Equal', spread, zero), labels, zero]);
  const span = 2 * REACH + 1;
  const near = g.maxPool(g.maxPool(core, span, 1), 1, span);
  return g.op('Where', [g.binary('Equal', near, labels), labels, zero]);
}
