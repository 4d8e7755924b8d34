import { modelInvalid } from '../errors';
import type { Instance, ModelAdapter as ModelAdapterName, StageTimings } from '../inference/types';
import { ModelAdapter } from '../inference/types';
import type { RunnableModel, TensorSpec } from '../model/runnable-model';
import { findTensor } from '../model/runnable-model';
import type { DecodedImage } from '../images/decoded-image';
import type { OutputStats } from './detections';

export interface AdapterResult {
  /** Sorted by score, highest first; at most `maxInstances`. */
  instances: Instance[];
  timings: Omit<StageTimings, 'decodeMs'>;
  /** What was dropped or cut from the model's outputs (adapters/detections.ts). */
  stats: OutputStats;
}

export interface AdapterOptions {
  /** Instances scoring below this are left out. */
  minScore: number;
  /** MAX_INSTANCES: the highest scores are kept. */
  maxInstances: number;
}

/** Turns an image into instances for one model contract (pre-process, run, post-process). */
export interface Adapter {
  readonly name: ModelAdapterName;
  /** The longest image side this model is fed; larger uploads are decoded scaled down to it. */
  readonly maxInputSide: number;
  predict(image: DecodedImage, options: AdapterOptions): Promise<AdapterResult>;
}

/**
 * The tensors each contract needs, by name (graph order is not reliable). The
 * outputs are in the order the adapter asks the model for them, mask head last.
 */
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

// The TF.js contracts, told apart by tensor names when MODEL_ADAPTER is unset (ONNX
// graphs are matched by adapters/torchvision/contract.ts).
const ADAPTER_NAMES: ModelAdapterName[] = [ModelAdapter.TF_OD_API, ModelAdapter.MATTERPORT];

/**
 * What identifies a contract when MODEL_ADAPTER is unset: all its inputs and its
 * mask head. A model that has those but lacks another output is then named in
 * requireTensors' error ("missing …") instead of being unrecognisable.
 */
function signature(name: ModelAdapterName): { inputs: readonly string[]; mask: string } {
  const { inputs, outputs } = ADAPTER_TENSORS[name];
  return { inputs, mask: outputs[outputs.length - 1] };
}

export function detectAdapter(model: Pick<RunnableModel, 'inputs' | 'outputs'>): ModelAdapterName {
  const fits = ADAPTER_NAMES.filter((name) => {
    const { inputs, mask } = signature(name);
    return inputs.every((n) => findTensor(model.inputs, n)) && findTensor(model.outputs, mask);
  });
  if (fits.length !== 1) {
    const needs = ADAPTER_NAMES.map((name) => {
      const { inputs, mask } = signature(name);
      return `${name} needs ${inputs.join(', ')} and ${mask}`;
    });
    throw modelInvalid(
      `cannot tell the model's adapter (set MODEL_ADAPTER): ${describeTensors(model)}; ` +
        needs.join(', '),
    );
  }
  return fits[0];
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
    throw modelInvalid(
      `the model does not fit the ${adapter} adapter: missing ${missing.join(', ')}; ` +
        describeTensors(model),
    );
  }
  return { inputs, outputs };
}

function describeTensors(model: Pick<RunnableModel, 'inputs' | 'outputs'>): string {
  const list = (specs: readonly TensorSpec[]) =>
    specs.length ? specs.map((s) => s.name).join(', ') : '(none)';
  return `inputs found: ${list(model.inputs)}; outputs found: ${list(model.outputs)}`;
}
