/**
 * Matterport `utils.generate_pyramid_anchors` + `norm_boxes`, the graph's
 * `input_anchors`. The RPN's outputs are indexed by anchor, so the order must
 * be Matterport's exactly: level by level (BACKBONE_STRIDES), then feature-map
 * rows, columns, then ratios (from `np.meshgrid`), each box (y1, x1, y2, x2)
 * centred on the feature cell's top-left pixel. Computed in float64 and
 * rounded to float32 once at the end, as numpy does.
 */
import type { MatterportConfig } from './config';

type AnchorConfig = Pick<
  MatterportConfig,
  'BACKBONE_STRIDES' | 'RPN_ANCHOR_SCALES' | 'RPN_ANCHOR_RATIOS' | 'RPN_ANCHOR_STRIDE'
>;

/** `compute_backbone_shapes` for the ResNet backbones: ceil(image / stride) per level. */
export function computeBackboneShapes(
  config: Pick<MatterportConfig, 'BACKBONE_STRIDES'>,
  imageShape: readonly [number, number],
): Array<[number, number]> {
  return config.BACKBONE_STRIDES.map((stride) => [
    Math.ceil(imageShape[0] / stride),
    Math.ceil(imageShape[1] / stride),
  ]);
}

/** Number of anchors per level, for callers that slice the RPN outputs. */
export function anchorCounts(
  config: AnchorConfig,
  imageShape: readonly [number, number],
): number[] {
  const perCell = config.RPN_ANCHOR_RATIOS.length;
  return computeBackboneShapes(config, imageShape).map(
    ([h, w]) =>
      Math.ceil(h / config.RPN_ANCHOR_STRIDE) * Math.ceil(w / config.RPN_ANCHOR_STRIDE) * perCell,
  );
}

// Every image in "square" mode has the same shape, so one entry is the normal
// case; the cap only guards against a pad64/none model fed many sizes.
const cache = new Map<string, Float32Array>();
const CACHE_LIMIT = 8;

/**
 * Normalized anchors, flat [N×4]. Memoized per (anchor settings, shape): the
 * returned array is shared, treat it as read-only. 261,888 anchors (4 MiB) for
 * the COCO config at 1024×1024.
 */
export function generatePyramidAnchors(
  config: AnchorConfig,
  imageShape: readonly [number, number],
): Float32Array {
  const key = JSON.stringify([
    config.BACKBONE_STRIDES,
    config.RPN_ANCHOR_SCALES,
    config.RPN_ANCHOR_RATIOS,
    config.RPN_ANCHOR_STRIDE,
    imageShape[0],
    imageShape[1],
  ]);
  const hit = cache.get(key);
  if (hit !== undefined) return hit;

  const [imageH, imageW] = imageShape;
  const total = anchorCounts(config, imageShape).reduce((a, b) => a + b, 0);
  const out = new Float32Array(total * 4);
  const ratios = config.RPN_ANCHOR_RATIOS;
  const shapes = computeBackboneShapes(config, imageShape);
  const step = config.RPN_ANCHOR_STRIDE;
  const normY = imageH - 1;
  const normX = imageW - 1;
  let o = 0;
  for (let level = 0; level < shapes.length; level++) {
    const scale = config.RPN_ANCHOR_SCALES[level];
    const stride = config.BACKBONE_STRIDES[level];
    const halfH = ratios.map((r) => 0.5 * (scale / Math.sqrt(r)));
    const halfW = ratios.map((r) => 0.5 * (scale * Math.sqrt(r)));
    const [fh, fw] = shapes[level];
    for (let fy = 0; fy < fh; fy += step) {
      const cy = fy * stride;
      for (let fx = 0; fx < fw; fx += step) {
        const cx = fx * stride;
        for (let k = 0; k < ratios.length; k++) {
          // norm_boxes: (box − [0, 0, 1, 1]) / [h−1, w−1, h−1, w−1]
          out[o++] = (cy - halfH[k]) / normY;
          out[o++] = (cx - halfW[k]) / normX;
          out[o++] = (cy + halfH[k] - 1) / normY;
          out[o++] = (cx + halfW[k] - 1) / normX;
        }
      }
    }
  }
  if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value as string);
  cache.set(key, out);
  return out;
}
