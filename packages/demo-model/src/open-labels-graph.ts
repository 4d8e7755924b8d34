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
 * label channel: a pixel is in its colour's core when its k×k window holds that
 * label only (max = min = L); a raw pixel is
 * kept when the largest core label within REACH (a separable max) is its own.
 * So a region without a k×k core disappears and a shape keeps every raw pixel,
 * apex included. Where two colours' cores are within REACH of one pixel the
 * larger label wins, so shapes of different colours closer than about REACH px
 * (in the image the graph sees) lose a sliver of their facing edges. SAME padding
 * ignores pixels outside the image, so a shape touching the edge keeps its edge.
 * Only single-channel H×W ops, no Concat or StridedSlice (both slow on wasm).
 */
export function openLabels(g: GraphOps, label: string): string {
  g.scope = 'detect/open';
  const k = MIN_SHAPE_THICKNESS;
  const labels = g.expandDims(g.expandDims(g.cast(label, DType.FLOAT), 0), 3); // [1,H,W,1]
  // max + (−min) = 0 exactly when the window is uniform (labels are small integers).
  const spread = g.add(g.maxPool(labels, k, k), g.maxPool(g.sub(g.f(0), labels), k, k));
  const core = g.mul(labels, g.stepGe(g.f(0), spread));
  const span = 2 * REACH + 1;
  const near = g.maxPool(g.maxPool(core, span, 1), 1, span);
  // Labels are integers: 1 where equal, 0 otherwise.
  const same = g.maximum(g.sub(g.f(1), g.abs(g.sub(near, labels))), g.f(0));
  return g.cast(g.squeeze(g.mul(labels, same), [0, 3]), DType.INT32);
}
