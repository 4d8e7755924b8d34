import { DType } from './graph-builder';
import type { GraphOps } from './graph-ops';
import type { DetectedColours } from './shape-detector-graph';
import { SLOTS } from './shape-detector-graph';

/**
 * tf.image.crop_and_resize (bilinear, extrapolation 0) of every colour's binary
 * mask, computed from the label image by gathering only the four pixels around
 * each crop sample, so no H×W mask per colour is ever built. Same arithmetic as
 * crop_and_resize: y = y1·(H−1) + i·(y2−y1)·(H−1)/(h−1); samples outside
 * [0, H−1] are 0. The four neighbours are rows top, top+1 and columns left,
 * left+1, with top ≤ H−2 so that y = H−1 reads the last row at weight 1.
 *
 * `boxes`: float [8, n, 4] normalized (y1, x1, y2, x2). Returns float [8, n, h, w].
 */
export function cropColourMasks(
  g: GraphOps,
  d: DetectedColours,
  boxes: string,
  size: readonly [number, number],
): string {
  g.scope = 'crop';
  const [h, w] = size;
  const component = (c: number): string =>
    g.stridedSlice(boxes, [0, 0, c], [0, 0, c + 1], { begin: 0b11, end: 0b11 });
  const axis = (lo: string, hi: string, extent: string, steps: number) => {
    const last = g.sub(extent, g.f(1));
    const start = g.mul(lo, last);
    const step = g.div(g.mul(g.sub(hi, lo), last), g.f(steps - 1));
    const grid = g.constant(
      Array.from({ length: steps }, (_, i) => i),
      [steps],
      DType.FLOAT,
    );
    const at = g.add(start, g.mul(grid, step)); // [8, n, steps]
    const inside = g.mul(g.stepGe(at, g.f(0)), g.cast(g.lessEqual(at, last), DType.FLOAT));
    const low = g.maximum(g.minimum(g.floor(at), g.sub(extent, g.f(2))), g.f(0));
    // 0 outside the image: those samples are zeroed by `inside` anyway.
    const lerp = g.mul(g.sub(at, low), inside);
    return { inside, lerp, low };
  };
  const ys = axis(component(0), component(2), d.height, h);
  const xs = axis(component(1), component(3), d.width, w);

  // Index arithmetic in float32 (exact below 2^24 per axis): wasm broadcasts
  // float32 binary ops natively but int32 ones element by element in a slow path.
  const expand2 = (x: string, a: number, b: number): string => g.expandDims(g.expandDims(x, a), b);
  const rowBase = expand2(ys.low, 3, 4); // [8, n, h, 1, 1]
  const colBase = expand2(xs.low, 2, 4); // [8, n, 1, w, 1]
  const rows = g.minimum(
    g.add(g.add(rowBase, g.constant([0, 0, 1, 1], [4], DType.FLOAT)), g.mul(colBase, g.f(0))),
    g.sub(d.height, g.f(1)),
  );
  const cols = g.minimum(
    g.add(g.add(colBase, g.constant([0, 1, 0, 1], [4], DType.FLOAT)), g.mul(rowBase, g.f(0))),
    g.sub(d.width, g.f(1)),
  ); // [8, n, h, w, 4]: (top,left), (top,right), (bottom,left), (bottom,right)
  // Flat pixel index in int32 (exact for any image size) from same-shape operands.
  const rowsI = g.cast(rows, DType.INT32);
  const widthI = g.cast(g.add(g.mul(rows, g.f(0)), d.width), DType.INT32);
  const flat = g.add(g.mul(rowsI, widthI), g.cast(cols, DType.INT32));
  const labels = g.cast(g.gatherNd(g.reshape(d.label, [-1]), g.expandDims(flat, 5)), DType.FLOAT);
  const colourLabel = g.constant(
    Array.from({ length: SLOTS }, (_, k) => k + 1),
    [SLOTS, 1, 1, 1, 1],
    DType.FLOAT,
  );
  // Labels are integers: 1 where equal, 0 otherwise (a broadcast Equal is slow on wasm).
  const values = g.maximum(g.sub(g.f(1), g.abs(g.sub(labels, colourLabel))), g.f(0));

  // Bilinear weights of (top,left), (top,right), (bottom,left), (bottom,right).
  const ly = g.expandDims(g.expandDims(ys.lerp, 3), 4); // [8, n, h, 1, 1]
  const lx = g.expandDims(g.expandDims(xs.lerp, 2), 4); // [8, n, 1, w, 1]
  const rowWeight = g.add(
    g.mul(ly, g.constant([-1, -1, 1, 1], [4], DType.FLOAT)),
    g.constant([1, 1, 0, 0], [4], DType.FLOAT),
  );
  const colWeight = g.add(
    g.mul(lx, g.constant([-1, 1, -1, 1], [4], DType.FLOAT)),
    g.constant([1, 0, 1, 0], [4], DType.FLOAT),
  );
  const inside = g.mul(g.expandDims(ys.inside, 3), g.expandDims(xs.inside, 2));
  return g.mul(g.sum(g.mul(values, g.mul(rowWeight, colWeight)), [4]), inside);
}
