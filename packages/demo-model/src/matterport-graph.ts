import { DType } from './graph-builder';
import { GraphOps } from './graph-ops';
import type { DemoGraph } from './demo-graph';
import { cropColourMasks } from './crop-masks-graph';
import { CHANNEL_OFFSETS, SLOTS, addShapeDetector } from './shape-detector-graph';
import { DEMO_SCORE } from './tf-od-api-graph';

export const MATTERPORT_MASK_SIZE = 28;
/** Background + square, circle, triangle. */
export const MATTERPORT_NUM_CLASSES = 4;
/** Matterport's COCO config defaults, which the demo keeps. */
export const MATTERPORT_MEAN_PIXEL = [123.7, 116.8, 103.9] as const;

const MATTERPORT_OUTPUTS = ['mrcnn_detection', 'mrcnn_mask'] as const;

/**
 * The matterport variant: inputs `input_image` float32 [1,S,S,3] (molded: minus
 * MEAN_PIXEL), `input_image_meta` [1,12+NUM_CLASSES], `input_anchors` [1,A,4];
 * outputs `mrcnn_detection` [1,8,6] (y1,x1,y2,x2 normalized as Matterport's
 * norm_boxes does: first and last pixel over S-1; class_id; score; detections
 * first, then zero rows) and `mrcnn_mask` [1,8,28,28,4] (the mask in every
 * class channel).
 *
 * unmold_mask resizes the 28×28 mask to the box with half-pixel centres, so
 * mask cell k is sampled at the centre of the k-th 28th of the box.
 */
export function buildMatterportGraph(score = DEMO_SCORE): DemoGraph {
  const g = new GraphOps();
  const image = g.placeholder('input_image', DType.FLOAT, [1, -1, -1, 3]);
  const meta = g.placeholder('input_image_meta', DType.FLOAT, [1, -1]);
  const anchors = g.placeholder('input_anchors', DType.FLOAT, [1, -1, 4]);

  g.scope = 'unmold';
  // Back to 0..255 plus the detector's channel offsets, rounded (float error of the
  // mean subtraction). A molded image is in range by construction; the clip over
  // the whole code range only keeps foreign input from indexing out of the table
  // (one scalar clip is ~5× cheaper on wasm than per-channel bounds).
  const shift = g.constant(
    MATTERPORT_MEAN_PIXEL.map((m, c) => m + CHANNEL_OFFSETS[c]),
    [3],
    DType.FLOAT,
  );
  const codes = g.clip(g.round(g.add(image, shift)), 0, CHANNEL_OFFSETS[2] + 255);
  const d = addShapeDetector(g, codes);

  g.scope = 'boxes';
  const hLast = g.maximum(g.sub(d.height, g.f(1)), g.f(1));
  const wLast = g.maximum(g.sub(d.width, g.f(1)), g.f(1));
  const reported = g.pack(
    [g.div(d.ymin, hLast), g.div(d.xmin, wLast), g.div(d.ymax, hLast), g.div(d.xmax, wLast)],
    1,
  );
  // First/last cell centres: half a cell in from the outer pixel edges.
  const inset = (lo: string, hi: string): [string, string] => {
    const halfCell = g.div(g.add(g.sub(hi, lo), g.f(1)), g.f(2 * MATTERPORT_MASK_SIZE));
    return [g.add(g.sub(lo, g.f(0.5)), halfCell), g.sub(g.add(hi, g.f(0.5)), halfCell)];
  };
  const [y1, y2] = inset(d.ymin, d.ymax);
  const [x1, x2] = inset(d.xmin, d.xmax);
  const cropBoxes = g.expandDims(
    g.pack([g.div(y1, hLast), g.div(x1, wLast), g.div(y2, hLast), g.div(x2, wLast)], 1),
    1,
  );
  const size = MATTERPORT_MASK_SIZE;
  const masks = cropColourMasks(g, d, cropBoxes, [size, size]);

  g.scope = 'outputs';
  // Matterport graphs must be fed all three inputs; meta and anchors only add a zero.
  const unused = g.mul(g.add(g.sum(meta, [0, 1]), g.sum(anchors, [0, 1, 2])), g.f(0));
  const scores = g.add(g.mul(g.f(score), d.present), unused);
  const presentColumn = g.expandDims(d.present, 1);
  const rows = g.concat([reported, g.expandDims(d.classId, 1), g.expandDims(scores, 1)], 1);
  g.identity(g.expandDims(g.gather(g.mul(rows, presentColumn), d.order), 0), 'mrcnn_detection');
  const perClass = g.tile(g.reshape(masks, [SLOTS, size, size, 1]), [
    1,
    1,
    1,
    MATTERPORT_NUM_CLASSES,
  ]);
  const presentCube = g.reshape(d.present, [SLOTS, 1, 1, 1]);
  g.identity(g.expandDims(g.gather(g.mul(perClass, presentCube), d.order), 0), 'mrcnn_mask');

  return {
    graph: g.build(),
    inputs: {
      input_image: { dtype: DType.FLOAT, shape: [1, -1, -1, 3] },
      input_image_meta: { dtype: DType.FLOAT, shape: [1, -1] },
      input_anchors: { dtype: DType.FLOAT, shape: [1, -1, 4] },
    },
    outputs: [...MATTERPORT_OUTPUTS],
  };
}
