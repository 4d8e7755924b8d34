import { ErrorCode, InferenceApiError } from '../errors';
import type { Instance, ModelAdapter as ModelAdapterName, StageTimings } from '../inference/types';
import { ModelAdapter } from '../inference/types';
import type { RunnableModel, TensorSpec } from '../model/runnable-model';
import { findTensor } from '../model/runnable-model';

/** An upright (EXIF-rotated) 8-bit sRGB image, row-major HWC. */
export interface DecodedImage {
  rgb: Uint8Array;
  width: number;
  height: number;
  /**
   * The upload's upright size when it was scaled down on decode (to the
   * adapter's maxInputSide); boxes and masks are reported at this size.
   * Absent: the pixels are the original.
   */
  original?: { width: number; height: number };
}

/** The size results are reported in: the original upload's, not the working pixels'. */
export function originalSize(image: DecodedImage): { width: number; height: number } {
  return image.original ?? { width: image.width, height: image.height };
}

export interface AdapterResult {
  /** Sorted by score, highest first. */
  instances: Instance[];
  timings: Omit<StageTimings, 'decodeMs'>;
}

/** Turns an image into instances for one model contract (pre-process, run, post-process). */
export interface Adapter {
  readonly name: ModelAdapterName;
  /** The longest image side this model is fed; larger uploads are decoded scaled down to it. */
  readonly maxInputSide: number;
  predict(image: DecodedImage, minScore: number): Promise<AdapterResult>;
}

/** The tensors each contract needs, by name (graph order is not reliable). */
export const ADAPTER_TENSORS = {
  [ModelAdapter.TF_OD_API]: {
    inputs: ['input_tensor'],
    outputs: [
      'detection_boxes',
      'detection_scores',
      'detection_classes',
      'num_detections',
      'detection_masks',
    ],
  },
  [ModelAdapter.MATTERPORT]: {
    inputs: ['input_image', 'input_image_meta', 'input_anchors'],
    outputs: ['mrcnn_detection', 'mrcnn_mask'],
  },
  [ModelAdapter.TORCHVISION]: {
    inputs: ['images'],
    outputs: ['boxes', 'labels', 'scores', 'masks'],
  },
} as const satisfies Record<ModelAdapterName, { inputs: string[]; outputs: string[] }>;

// What identifies each TF.js contract when MODEL_ADAPTER is unset (ONNX graphs
// are matched by adapters/torchvision/contract.ts).
const SIGNATURES: Partial<Record<ModelAdapterName, { inputs: string[]; outputs: string[] }>> = {
  [ModelAdapter.TF_OD_API]: { inputs: ['input_tensor'], outputs: ['detection_masks'] },
  [ModelAdapter.MATTERPORT]: {
    inputs: ['input_image', 'input_image_meta', 'input_anchors'],
    outputs: ['mrcnn_detection', 'mrcnn_mask'],
  },
};

export function detectAdapter(model: Pick<RunnableModel, 'inputs' | 'outputs'>): ModelAdapterName {
  const fits = (Object.keys(SIGNATURES) as ModelAdapterName[]).filter((name) => {
    const sig = SIGNATURES[name]!;
    return (
      sig.inputs.every((n) => findTensor(model.inputs, n)) &&
      sig.outputs.every((n) => findTensor(model.outputs, n))
    );
  });
  if (fits.length !== 1) {
    throw new InferenceApiError(
      ErrorCode.MODEL_INVALID,
      `cannot tell the model's adapter (set MODEL_ADAPTER): ${describeTensors(model)}; ` +
        `tf-od-api needs input_tensor and detection_masks, matterport needs ` +
        `input_image, input_image_meta, input_anchors, mrcnn_detection and mrcnn_mask`,
    );
  }
  return fits[0]!;
}

/** Resolves every tensor an adapter needs, or fails naming what is missing and what exists. */
export function requireTensors<A extends ModelAdapterName>(
  model: Pick<RunnableModel, 'inputs' | 'outputs'>,
  adapter: A,
): { inputs: Record<string, TensorSpec>; outputs: Record<string, TensorSpec> } {
  const wanted = ADAPTER_TENSORS[adapter];
  const missing: string[] = [];
  const pick = (specs: readonly TensorSpec[], names: readonly string[]) =>
    Object.fromEntries(
      names.map((n) => {
        const spec = findTensor(specs, n);
        if (!spec) missing.push(n);
        return [n, spec ?? { name: n }];
      }),
    );
  const inputs = pick(model.inputs, wanted.inputs);
  const outputs = pick(model.outputs, wanted.outputs);
  if (missing.length > 0) {
    throw new InferenceApiError(
      ErrorCode.MODEL_INVALID,
      `the model does not fit the ${adapter} adapter: missing ${missing.join(', ')}; ` +
        describeTensors(model),
    );
  }
  return { inputs, outputs };
}

export function describeTensors(model: Pick<RunnableModel, 'inputs' | 'outputs'>): string {
  const list = (specs: readonly TensorSpec[]) =>
    specs.length ? specs.map((s) => s.name).join(', ') : '(none)';
  return `inputs found: ${list(model.inputs)}; outputs found: ${list(model.outputs)}`;
}

/** Milliseconds since `start` (performance.now()), rounded to 0.01 ms. */
export function msSince(start: number): number {
  return Math.round((performance.now() - start) * 100) / 100;
}
