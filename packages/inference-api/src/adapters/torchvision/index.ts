import type * as ort from 'onnxruntime-node';
import type { Instance } from '../../inference/types';
import { ModelAdapter } from '../../inference/types';
import { trimRegion } from '../../masks/mask-region';
import { encodeMaskRegion } from '../../masks/rle';
import { labelOf, type LabelMap } from '../../labels/label-file';
import type { OnnxModel } from '../../runtime/onnx-runtime';
import type { Adapter, AdapterOptions, AdapterResult } from '../adapter';
import { selectDetections, type OutputStats, type PixelBox } from '../detections';
import type { DecodedImage } from '../../images/decoded-image';
import { originalSize } from '../../images/decoded-image';
import { msSince } from '../../util/timing';
import { roundScore } from '../tf-od-api';
import { fitsTorchvision, TORCHVISION_TENSORS, unknownOnnxContract } from './contract';
import type { FloatRegion, Window } from './float-region';
import { thresholdRegion } from './float-region';
import { pasteTorchvisionMask } from './paste-masks';

// x / 255 in float32 for every byte (torchvision's ToTensor), looked up, not divided.
const UNIT = Float32Array.from({ length: 256 }, (_, v) => v / 255);

/**
 * A full-size mask is non-zero only inside the box torchvision pasted it into:
 * the detection box grown by (M+2)/M (M = the mask head's size, 28 in every
 * torchvision model; 10 % per side covers M ≥ 10) plus the int cast and +1.
 * Only this window of each [1,H,W] plane is read.
 */
const MARGIN_FRACTION = 0.1;
const MARGIN_PX = 2;

/**
 * torchvision detection models exported to ONNX: `images` float32 [3,H,W] RGB in
 * [0,1] in; `boxes` [N,4] x1,y1,x2,y2 in input pixels, `labels` int64 [N],
 * `scores` [N] (highest first, kept in that order), `masks` [N,1,H,W] full-size
 * probabilities or [N,1,M,M] box-relative (pasted like paste_masks_in_image) out.
 *
 * The image is fed at most `maxInputSide` on its longest side (MAX_INPUT_SIDE):
 * ONNX Runtime allocates N full-size float masks at the input's size. Boxes
 * are scaled back to original pixels and reported as [x, y, w, h] unrounded;
 * masks are thresholded per box window and resampled to original pixels.
 */
export function createTorchvisionAdapter(
  model: OnnxModel,
  labels: LabelMap,
  maxInputSide: number,
): Adapter {
  if (!fitsTorchvision(model)) throw unknownOnnxContract(model);
  const outputNames = TORCHVISION_TENSORS.outputs;
  return {
    name: ModelAdapter.TORCHVISION,
    maxInputSide,
    async predict(image: DecodedImage, options: AdapterOptions): Promise<AdapterResult> {
      const { width: W, height: H } = originalSize(image);
      const { width: w, height: h } = image;
      let start = performance.now();
      const chw = new Float32Array(3 * h * w);
      const plane = h * w;
      for (let i = 0, p = 0; p < plane; p++, i += 3) {
        chw[p] = UNIT[image.rgb[i]]!;
        chw[plane + p] = UNIT[image.rgb[i + 1]]!;
        chw[2 * plane + p] = UNIT[image.rgb[i + 2]]!;
      }
      const input = model.float32(chw, [3, h, w]);
      const preprocessMs = msSince(start);

      start = performance.now();
      const result = await model.run({ [TORCHVISION_TENSORS.input]: input }, outputNames);
      const inferMs = msSince(start);

      start = performance.now();
      try {
        const [boxes, classes, scores, masks] = result as [
          ort.Tensor,
          ort.Tensor,
          ort.Tensor,
          ort.Tensor,
        ];
        const { instances, stats } = decode(
          boxes.data as Float32Array,
          classes.data as BigInt64Array,
          scores.data as Float32Array,
          masks.data as Float32Array,
          masks.dims,
          { w, h, W, H, labels, ...options },
        );
        return {
          instances,
          stats,
          timings: { preprocessMs, inferMs, postprocessMs: msSince(start) },
        };
      } finally {
        model.release(result);
      }
    },
  };
}

interface Frame extends AdapterOptions {
  /** Input (working) size and original size. */
  w: number;
  h: number;
  W: number;
  H: number;
  labels: LabelMap;
}

function decode(
  boxes: Float32Array,
  classes: BigInt64Array,
  scores: Float32Array,
  masks: Float32Array,
  maskDims: readonly number[],
  { w, h, W, H, labels, ...options }: Frame,
): { instances: Instance[]; stats: OutputStats } {
  const [, , mh = 0, mw = 0] = maskDims;
  // Decided per run: a graph may hold paste_masks_in_image or leave it out.
  const fullSize = mh === h && mw === w;
  const sx = W / w;
  const sy = H / h;
  const rows = Math.min(scores.length, classes.length, Math.floor(boxes.length / 4));
  const { kept, stats } = selectDetections(
    (function* () {
      for (let row = 0; row < rows; row++) {
        const [x0, y0, x1, y1] = boxes.subarray(row * 4, row * 4 + 4);
        yield {
          row,
          score: scores[row],
          // Beyond 2^53 a number is no longer exact; such an id is hostile anyway.
          classId: Number(classes[row]),
          box: [x0 * sx, y0 * sy, x1 * sx, y1 * sy] as PixelBox,
        };
      }
    })(),
    { width: W, height: H, ...options },
  );
  const instances = kept.map(({ row, score, classId, box }): Instance => {
    const modelBox = [
      boxes[row * 4],
      boxes[row * 4 + 1],
      boxes[row * 4 + 2],
      boxes[row * 4 + 3],
    ] as const;
    const maskData = masks.subarray(row * mh * mw, (row + 1) * mh * mw);
    let source: FloatRegion | null;
    let window: Window;
    if (fullSize) {
      source = { data: maskData, top: 0, left: 0, height: h, width: w, stride: w };
      window = boxWindow(modelBox, w, h);
    } else {
      source = pasteTorchvisionMask(maskData, mh, mw, modelBox, h, w);
      window = source
        ? {
            x0: source.left,
            y0: source.top,
            x1: source.left + source.width,
            y1: source.top + source.height,
          }
        : { x0: 0, y0: 0, x1: 0, y1: 0 };
    }
    const region = source ? thresholdRegion(source, window, sx, sy, W, H) : null;
    return {
      classId,
      label: labelOf(labels, classId),
      score: roundScore(score),
      bbox: [round3(box[0]), round3(box[1]), round3(box[2] - box[0]), round3(box[3] - box[1])],
      mask: encodeMaskRegion(region && trimRegion(region), H, W),
    };
  });
  return { instances, stats };
}

/** The detection box grown by the paste margin, in whole pixels, clipped to the input. */
function boxWindow(box: readonly [number, number, number, number], w: number, h: number): Window {
  const mx = (box[2] - box[0]) * MARGIN_FRACTION + MARGIN_PX;
  const my = (box[3] - box[1]) * MARGIN_FRACTION + MARGIN_PX;
  return {
    x0: Math.max(0, Math.floor(box[0] - mx)),
    y0: Math.max(0, Math.floor(box[1] - my)),
    x1: Math.min(w, Math.ceil(box[2] + mx) + 1),
    y1: Math.min(h, Math.ceil(box[3] + my) + 1),
  };
}

/** Thousandths of a pixel: well inside any float32 box's precision, short JSON. */
function round3(v: number): number {
  return Math.round(v * 1000) / 1000;
}
