import { DType } from './graph-builder';
import { GraphOps } from './graph-ops';
import type { DetectedColours } from './shape-detector-graph';
import { cropColourMasks } from './crop-masks-graph';
import { CHANNEL_OFFSETS, SLOTS, addShapeDetector } from './shape-detector-graph';
import type { DemoGraph } from './demo-graph';

/** Box-relative mask size, as in the TF2 OD API Mask R-CNN exports. */
export const TF_OD_API_MASK_SIZE = 33;
export const DEMO_SCORE = 0.99;

const TF_OD_API_OUTPUTS = [
  'detection_boxes',
  'detection_classes',
  'detection_masks',
  'detection_scores',
  'num_detections',
] as const;

/**
 * The tf-od-api variant: `input_tensor` uint8 [1,H,W,3] →
 * detection_boxes [1,8,4] (normalized ymin,xmin,ymax,xmax, pixel edges: the box
 * of a shape covering rows 10..49 is 10/H..50/H), detection_scores [1,8],
 * detection_classes [1,8], num_detections [1], detection_masks [1,8,33,33].
 *
 * The masks are what a trained OD API model learns: crop_and_resize of the
 * image mask over the reported box, i.e. the inverse of
 * reframe_box_masks_to_image_masks (which reads image pixel i at i/(H-1)).
 * That mapping puts the outermost mask rows and columns up to one pixel outside
 * the shape, where bilinear sampling would fade them; the outer ring is
 * therefore sampled from the box between the first and last pixel centres, so
 * a full edge (a square's side, a triangle's base) survives the > 0.5 paste.
 */
export function buildTfOdApiGraph(score = DEMO_SCORE): DemoGraph {
  const g = new GraphOps();
  const input = g.placeholder('input_tensor', DType.UINT8, [1, -1, -1, 3]);
  const codes = g.add(g.cast(input, DType.FLOAT), g.constant(CHANNEL_OFFSETS, [3], DType.FLOAT));
  const d = addShapeDetector(g, codes);

  g.scope = 'boxes';
  const reported = boxes(g, d, d.height, d.width, 1);
  const centres = boxes(
    g,
    d,
    g.maximum(g.sub(d.height, g.f(1)), g.f(1)),
    g.maximum(g.sub(d.width, g.f(1)), g.f(1)),
    0,
  );
  const crops = cropColourMasks(g, d, g.pack([reported, centres], 1), [
    TF_OD_API_MASK_SIZE,
    TF_OD_API_MASK_SIZE,
  ]);

  g.scope = 'masks';
  const size = TF_OD_API_MASK_SIZE;
  const ring: number[] = [];
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      ring.push(y === 0 || x === 0 || y === size - 1 || x === size - 1 ? 1 : 0);
    }
  }
  const weights = g.constant([...ring.map((r) => 1 - r), ...ring], [2, size, size], DType.FLOAT);
  const masks = g.sum(g.mul(crops, weights), [1]);

  g.scope = 'outputs';
  const sorted = (x: string): string => g.gather(g.mul(x, d.present), d.order);
  const presentColumn = g.expandDims(d.present, 1);
  const presentCube = g.reshape(d.present, [SLOTS, 1, 1]);
  g.identity(g.expandDims(g.gather(g.mul(reported, presentColumn), d.order), 0), 'detection_boxes');
  g.identity(g.expandDims(sorted(d.classId), 0), 'detection_classes');
  g.identity(g.expandDims(g.gather(g.mul(masks, presentCube), d.order), 0), 'detection_masks');
  g.identity(g.expandDims(sorted(g.f(score)), 0), 'detection_scores');
  g.identity(g.sum(d.present, [0], true), 'num_detections');

  return {
    graph: g.build(),
    inputs: { input_tensor: { dtype: DType.UINT8, shape: [1, -1, -1, 3] } },
    outputs: [...TF_OD_API_OUTPUTS],
  };
}

/** [8,4] boxes (ymin,xmin,ymax,xmax) of the occupied rows/cols divided by the given extents. */
function boxes(g: GraphOps, d: DetectedColours, h: string, w: string, lastOffset: number): string {
  const end = (v: string): string => (lastOffset === 0 ? v : g.add(v, g.f(lastOffset)));
  return g.pack(
    [g.div(d.ymin, h), g.div(d.xmin, w), g.div(end(d.ymax), h), g.div(end(d.xmax), w)],
    1,
  );
}
