import * as tf from '@tensorflow/tfjs-core';
import type { Instance } from '../../inference/types';
import { ModelAdapter } from '../../inference/types';
import { encodeMaskRegion } from '../../masks/rle';
import { labelOf, type LabelMap } from '../../labels/label-file';
import type { RunnableModel } from '../../model/runnable-model';
import type { Adapter, AdapterOptions, AdapterResult } from '../adapter';
import { selectDetections, type PixelBox } from '../detections';
import { ADAPTER_TENSORS, requireTensors } from '../adapter';
import type { DecodedImage } from '../../images/decoded-image';
import { originalSize } from '../../images/decoded-image';
import { msSince } from '../../util/timing';
import { DEFAULT_MAX_INPUT_SIDE } from '../../images/limits';
import { roundScore } from '../tf-od-api';
import { generatePyramidAnchors } from './anchors';
import type { MatterportConfig } from './config';
import { mergeMatterportConfig } from './config';
import { composeImageMeta } from './image-meta';
import { unmoldBoxes, unmoldMask } from './unmold';
import type { ResizePlan } from './resize';
import { computeResize } from './resize';

/**
 * Matterport Mask R-CNN inference graphs: mold the image as `mold_inputs` does
 * (resize by `resize_image`'s plan, zero-pad, subtract MEAN_PIXEL), feed image
 * meta and pyramid anchors, and unmold the detections onto the original image.
 *
 * The resize matches skimage `resize(order=1, preserve_range, anti_aliasing=False)`
 * followed by the uint8 cast: bilinear with half-pixel centres, then floor.
 * bbox is Matterport's integer box [y1, x1, y2, x2) as [x1, y1, x2 − x1, y2 − y1].
 *
 * Matterport itself shrinks every image to IMAGE_MAX_DIM, so that is the
 * adapter's maxInputSide (`fallbackMaxInputSide` only when IMAGE_MAX_DIM is 0):
 * a larger upload is decoded at that size, and the detections, which are
 * relative to the window, are unmolded straight onto the original image.
 */
export function createMatterportAdapter(
  model: RunnableModel,
  labels: LabelMap,
  configJson?: unknown,
  fallbackMaxInputSide = DEFAULT_MAX_INPUT_SIDE,
): Adapter {
  const config = mergeMatterportConfig(configJson);
  const { inputs, outputs } = requireTensors(model, ModelAdapter.MATTERPORT);
  const feedNames = {
    image: inputs['input_image'].name,
    meta: inputs['input_image_meta'].name,
    anchors: inputs['input_anchors'].name,
  };
  const outputNames = ADAPTER_TENSORS[ModelAdapter.MATTERPORT].outputs.map((n) => outputs[n].name);

  return {
    name: ModelAdapter.MATTERPORT,
    maxInputSide: config.IMAGE_MAX_DIM > 0 ? config.IMAGE_MAX_DIM : fallbackMaxInputSide,
    async predict(image: DecodedImage, options: AdapterOptions): Promise<AdapterResult> {
      // Results are reported in original pixels; the model is fed the working ones.
      const { width: W, height: H } = originalSize(image);
      let start = performance.now();
      const plan = computeResize(image.height, image.width, config);
      const molded = moldInputs(image, plan, config);
      const feed: tf.NamedTensorMap = {
        [feedNames.image]: molded.image,
        [feedNames.meta]: molded.meta,
        [feedNames.anchors]: molded.anchors,
      };
      const preprocessMs = msSince(start);

      start = performance.now();
      let detections: Float32Array, masks: Float32Array;
      let shape: number[];
      try {
        const result = await model.run(feed, outputNames);
        try {
          [detections, masks] = (await Promise.all(result.map((t) => t.data()))) as [
            Float32Array,
            Float32Array,
          ];
          shape = result[1].shape;
        } finally {
          tf.dispose(result);
        }
      } finally {
        tf.dispose(Object.values(feed));
      }
      const inferMs = msSince(start);

      start = performance.now();
      // mrcnn_mask is [1, N, mh, mw, numClasses].
      const [, n, mh, mw, numClasses] = shape as [number, number, number, number, number];
      const { rows, invalid } = unmoldBoxes(
        detections,
        n,
        numClasses,
        [H, W],
        [plan.paddedHeight, plan.paddedWidth],
        plan.window,
      );
      const { kept, stats } = selectDetections(
        rows.map(({ row, classId, score, box: [y1, x1, y2, x2] }) => ({
          row,
          classId,
          score,
          box: [x1, y1, x2, y2] as PixelBox,
        })),
        { width: W, height: H, invalid, ...options },
      );
      const maskOutputs = {
        masks,
        maskHeight: mh,
        maskWidth: mw,
        numClasses,
        originalShape: [H, W] as const,
      };
      const modelBoxes = new Map(rows.map((r) => [r.row, r.box]));
      const instances = kept.map(({ row, classId, score, box: [cx1, cy1, cx2, cy2] }): Instance => {
        // The mask follows Matterport's own (unclipped) integer box.
        const mask = unmoldMask(maskOutputs, { row, classId, box: modelBoxes.get(row)! });
        return {
          classId,
          label: labelOf(labels, classId),
          score: roundScore(score),
          bbox: [cx1, cy1, cx2 - cx1, cy2 - cy1],
          mask: encodeMaskRegion(mask.height > 0 && mask.width > 0 ? mask : null, H, W),
        };
      });
      return {
        instances,
        stats,
        timings: { preprocessMs, inferMs, postprocessMs: msSince(start) },
      };
    },
  };
}

function moldInputs(
  image: DecodedImage,
  plan: ResizePlan,
  config: MatterportConfig,
): { image: tf.Tensor; meta: tf.Tensor; anchors: tf.Tensor } {
  const { width: W, height: H } = image;
  const original = originalSize(image);
  // The meta describes the upload as Matterport would have seen it: its own
  // shape, and the scale from it (decode scaling × the plan's) to the molded image.
  const scale = image.original
    ? (plan.scale * Math.max(W, H)) / Math.max(original.width, original.height)
    : plan.scale;
  const molded = tf.tidy(() => {
    let pixels: tf.Tensor = tf.tensor3d(new Float32Array(image.rgb), [H, W, 3], 'float32');
    if (plan.outHeight !== H || plan.outWidth !== W) {
      // Functional ops: tfjs-core alone registers no chained ones (x.sub(…)).
      const resized = tf.image.resizeBilinear(
        pixels as tf.Tensor3D,
        [plan.outHeight, plan.outWidth],
        false,
        true,
      );
      pixels = tf.floor(tf.clipByValue(resized, 0, 255));
    }
    const [[top, bottom], [left, right]] = plan.padding;
    if (top || bottom || left || right) {
      pixels = tf.pad(pixels, [
        [top, bottom],
        [left, right],
        [0, 0],
      ]);
    }
    return tf.expandDims(tf.sub(pixels, tf.tensor1d([...config.MEAN_PIXEL], 'float32')), 0);
  });
  const meta = composeImageMeta(
    0,
    [original.height, original.width, 3],
    [plan.paddedHeight, plan.paddedWidth, 3],
    plan.window,
    scale,
    new Array<number>(config.NUM_CLASSES).fill(0),
  );
  const anchors = generatePyramidAnchors(config, [plan.paddedHeight, plan.paddedWidth]);
  return {
    image: molded,
    meta: tf.tensor2d(meta, [1, meta.length], 'float32'),
    anchors: tf.tensor3d(anchors, [1, anchors.length / 4, 4], 'float32'),
  };
}
