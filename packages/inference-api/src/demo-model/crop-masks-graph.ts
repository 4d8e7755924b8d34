import { DType } from './graph-builder';
import type { GraphOps } from './graph-ops';
import type { DetectedColours } from './shape-detector-graph';
import { SLOTS } from './shape-detector-graph';

/**
 * tf.image.crop_and_resize (bilinear, extrapolation 0) of every colour's binary
 * mask, computed from the label image by sampling only the crop grid's
 * neighbouring pixels (GatherNd), so no H×W mask per colour is ever built.
 * Same arithmetic as crop_and_resize: y = y1·(H−1) + i·(y2−y1)·(H−1)/(h−1),
 * top = floor(y), bottom = top+1, rows outside [0, H−1] are 0.
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
    const floor = g.floor(at);
    const lerp = g.sub(at, floor);
    const clampIndex = (v: string): string =>
      g.cast(g.maximum(g.minimum(v, last), g.f(0)), DType.INT32);
    return {
      inside,
      lerp,
      low: clampIndex(floor),
      high: clampIndex(g.add(floor, g.f(1))),
    };
  };
  const ys = axis(component(0), component(2), d.height, h);
  const xs = axis(component(1), component(3), d.width, w);

  const zeroRows = g.mul(g.expandDims(ys.low, 3), g.i(0)); // [8, n, h, 1]
  const zeroCols = g.mul(g.expandDims(xs.low, 2), g.i(0)); // [8, n, 1, w]
  const colourLabel = g.constant(
    Array.from({ length: SLOTS }, (_, k) => k + 1),
    [SLOTS, 1, 1, 1],
    DType.INT32,
  );
  const sample = (row: string, col: string): string => {
    const index = g.pack(
      [g.add(g.expandDims(row, 3), zeroCols), g.add(g.expandDims(col, 2), zeroRows)],
      4,
    );
    return g.cast(g.equal(g.gatherNd(d.label, index), colourLabel), DType.FLOAT);
  };
  const lerpX = g.expandDims(xs.lerp, 2);
  const lerpY = g.expandDims(ys.lerp, 3);
  const mix = (a: string, b: string, t: string): string => g.add(a, g.mul(g.sub(b, a), t));
  const top = mix(sample(ys.low, xs.low), sample(ys.low, xs.high), lerpX);
  const bottom = mix(sample(ys.high, xs.low), sample(ys.high, xs.high), lerpX);
  const inside = g.mul(g.expandDims(ys.inside, 3), g.expandDims(xs.inside, 2));
  return g.mul(mix(top, bottom, lerpY), inside);
}
