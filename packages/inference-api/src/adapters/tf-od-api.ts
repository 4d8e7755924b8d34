import * as tf from '@tensorflow/tfjs-core';
import type { Instance } from '../inference/types';
import { ModelAdapter } from '../inference/types';
import { pasteBoxMask } from '../masks/paste-box-mask';
import { encodeMaskRegion } from '../masks/rle';
import { labelOf, type LabelMap } from '../labels/label-file';
import type { RunnableModel } from '../model/runnable-model';
import type { Adapter, AdapterOptions, AdapterResult } from './adapter';
import { selectDetections, type PixelBox } from './detections';
import { ADAPTER_TENSORS, requireTensors } from './adapter';
import type { DecodedImage } from '../images/decoded-image';
import { originalSize } from '../images/decoded-image';
import { msSince } from '../util/timing';
import { DEFAULT_MAX_INPUT_SIDE } from '../images/limits';

/**
 * TF2 Object Detection API / TF Hub Mask R-CNN exports: `input_tensor` [1,H,W,3]
 * (uint8 in TensorFlow; TF.js has no uint8, the converter makes it int32) and
 * box-relative masks pasted into the image like `reframe_box_masks_to_image_masks`.
 *
 * bbox: the normalized box scaled to pixels and rounded to whole pixel edges
 * (x0 = round(xmin·W), x1 = round(xmax·W), clipped to the image), reported as
 * [x0, y0, x1 − x0, y1 − y0] — the pixel grid a mask lives on, so bbox and mask agree.
 * A detection whose mask comes out empty keeps its box and gets an all-zero mask.
 *
 * The model sees the image scaled to at most `maxInputSide` (MAX_INPUT_SIDE, or
 * `maxInputSide` in maskops.json). Its boxes are normalized, so they — and the
 * masks, pasted region by region — land on the ORIGINAL image's pixel grid.
 */
export function createTfOdApiAdapter(
  model: RunnableModel,
  labels: LabelMap,
  maxInputSide = DEFAULT_MAX_INPUT_SIDE,
): Adapter {
  const { inputs, outputs } = requireTensors(model, ModelAdapter.TF_OD_API);
  const input = inputs['input_tensor'];
  const dtype = input.dtype === 'float32' ? 'float32' : 'int32';
  const outputNames = ADAPTER_TENSORS[ModelAdapter.TF_OD_API].outputs.map((n) => outputs[n].name);

  return {
    name: ModelAdapter.TF_OD_API,
    maxInputSide,
    async predict(image: DecodedImage, options: AdapterOptions): Promise<AdapterResult> {
      // Results are reported in original pixels; the tensor has the working size.
      const { width: W, height: H } = originalSize(image);
      let start = performance.now();
      // The typed-array constructor widens uint8 in one native copy.
      const pixels = dtype === 'int32' ? new Int32Array(image.rgb) : new Float32Array(image.rgb);
      const tensor = tf.tensor4d(pixels, [1, image.height, image.width, 3], dtype);
      const preprocessMs = msSince(start);

      start = performance.now();
      let result: tf.Tensor[];
      try {
        result = await model.run({ [input.name]: tensor }, outputNames);
      } finally {
        tensor.dispose();
      }
      let boxes: Float32Array, scores: Float32Array, classes: Float32Array;
      let count: number, masks: Float32Array, mh: number, mw: number;
      try {
        const [b, s, c, n, m] = result as [tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor, tf.Tensor];
        [boxes, scores, classes, masks] = (await Promise.all([
          b.data(),
          s.data(),
          c.data(),
          m.data(),
        ])) as Float32Array[];
        count = Math.round((await n.data())[0] ?? scores.length);
        [mh, mw] = m.shape.slice(-2) as [number, number];
      } finally {
        tf.dispose(result);
      }
      const inferMs = msSince(start);

      start = performance.now();
      const rows = Math.min(count, scores.length);
      const { kept, stats } = selectDetections(
        (function* () {
          for (let row = 0; row < rows; row++) {
            const [ymin, xmin, ymax, xmax] = boxes.subarray(row * 4, row * 4 + 4);
            yield {
              row,
              score: scores[row],
              classId: Math.round(classes[row]),
              box: [xmin * W, ymin * H, xmax * W, ymax * H] as PixelBox,
            };
          }
        })(),
        { width: W, height: H, ...options },
      );
      const maskSize = mh * mw;
      const instances: Instance[] = kept.map(({ row, score, classId, box }) => {
        const region = pasteBoxMask(
          masks.subarray(row * maskSize, (row + 1) * maskSize),
          mh,
          mw,
          [boxes[row * 4], boxes[row * 4 + 1], boxes[row * 4 + 2], boxes[row * 4 + 3]],
          H,
          W,
        );
        return {
          classId,
          label: labelOf(labels, classId),
          score: roundScore(score),
          bbox: pixelBox(box),
          mask: encodeMaskRegion(region, H, W),
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

/** The clipped box rounded to whole pixel edges: the grid a pasted mask lives on. */
function pixelBox([x0, y0, x1, y1]: PixelBox): [number, number, number, number] {
  const [rx0, ry0] = [Math.round(x0), Math.round(y0)];
  return [rx0, ry0, Math.round(x1) - rx0, Math.round(y1) - ry0];
}

/** Four decimals are plenty for a confidence and keep the JSON short. */
export function roundScore(score: number): number {
  return Math.round(score * 1e4) / 1e4;
}
