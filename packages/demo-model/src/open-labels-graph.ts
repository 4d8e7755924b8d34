import { DType } from './graph-builder';
import type { GraphOps } from './graph-ops';
import { MIN_SHAPE_THICKNESS } from './palette';

/**
 * How far (pixels) a shape reaches back from its eroded core into its colour's
 * raw pixels: enough to restore a triangle's apex, which the erosion cuts where
 * the triangle is narrower than MIN_SHAPE_THICKNESS and a downscale blurs (one
 * core width was measured too short on a 1280×720 image shrunk to 1024).
 */
export const REACH = 2 * MIN_SHAPE_THICKNESS;

/**
 * Removes every colour region thinner than MIN_SHAPE_THICKNESS from the label
 * image (int32 [H,W], 0 = none, k+1 = palette slot k): the blended edge of a
 * shape (JPEG, resizing) can read as a thin ring of another palette colour, and
 * a ring is never an instance (this package's README, "What the models find").
 *
 * A morphological opening by reconstruction, for all colours at once on the one
 * label channel: a pixel is in its colour's core when its k×k window holds one
 * label only (max = min, then the pixel's label is that max); a raw pixel is
 * kept when the largest core label within REACH (a separable max) is its own.
 * So a region without a k×k core disappears and a shape keeps every raw pixel,
 * apex included. Where two colours' cores are within REACH of one pixel the
 * larger label wins, so shapes of different colours closer than about REACH px
 * (in the image the graph sees) lose a sliver of their facing edges. SAME padding
 * ignores pixels outside the image, so a shape touching the edge keeps its edge.
 * Only H×W ops, no Concat or StridedSlice (both slow on wasm).
 *
 * Every window max is two 1-D MaxPools down the columns of [1,H,1,W] (the
 * columns as channels) with a Transpose between them. Why not k×k or k×1
 * MaxPools on [1,H,W,1]: wasm's XNNPACK keeps per pooling shape an indirection
 * buffer of about one pointer per output pixel and window row, sized for the
 * largest image seen and never freed (92 MiB for 13×1 at 1333², on a heap
 * that never shrinks); on [1,H,1,W] it is one pointer per image row. The
 * element-wise steps do not care about orientation, so the core is found
 * transposed ([1,W,H]) and only three Transposes are needed.
 */
export function openLabels(g: GraphOps, label: string): string {
  g.scope = 'detect/open';
  const k = MIN_SHAPE_THICKNESS;
  const span = 2 * REACH + 1;
  const flip = (x: string): string => g.transpose(x, [0, 2, 1]);
  /** The max over `size` consecutive rows of x [1,A,B] (SAME: the padding never wins). */
  const down = (x: string, size: number): string =>
    g.squeeze(g.maxPool(g.expandDims(x, 2), size, 1), [2]);
  const labels = g.expandDims(g.cast(label, DType.FLOAT), 0); // [1,H,W]
  const highT = down(flip(down(labels, k)), k);
  const negLowT = down(flip(down(g.sub(g.f(0), labels), k)), k);
  // max + (−min) = 0 exactly when the window is uniform (labels are small integers).
  const coreT = g.mul(highT, g.stepGe(g.f(0), g.add(highT, negLowT)));
  const near = down(flip(down(coreT, span)), span);
  // Labels are integers: 1 where equal, 0 otherwise.
  const same = g.maximum(g.sub(g.f(1), g.abs(g.sub(near, labels))), g.f(0));
  return g.cast(g.squeeze(g.mul(labels, same), [0]), DType.INT32);
}
