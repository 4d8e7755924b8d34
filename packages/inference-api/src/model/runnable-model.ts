import * as tf from '@tensorflow/tfjs-core';
import type { GraphModel } from '@tensorflow/tfjs-converter';
import { ModelFormat, Runtime } from '../inference/types';
import type { ModelRuntime } from '../runtime/runtime';
import type { TfjsNodeSavedModel } from './tfjs-node';

export interface TensorSpec {
  /** Signature key when the model has one, else the node name; a trailing ':0' is dropped. */
  name: string;
  dtype?: string;
  shape?: number[];
}

/**
 * A loaded model, whatever its format: named inputs in, named outputs out.
 * Adapters only talk to this, so graph models and SavedModels run the same code.
 */
export interface RunnableModel extends ModelRuntime<tf.Tensor> {
  readonly runtime: typeof Runtime.TFJS;
}

/** The TF.js half of ModelRuntime, the same for graph models and SavedModels. */
const TFJS_RUNTIME = {
  runtime: Runtime.TFJS,
  release: (tensors: readonly tf.Tensor[]) => tf.dispose([...tensors]),
  liveTensors: () => tf.memory().numTensors,
} as const;

export function normalizeTensorName(name: string): string {
  return name.replace(/:0$/, '');
}

/**
 * The spec whose name is `wanted`, or (for Keras-exported graphs whose tensors
 * are named after their layer, e.g. `mrcnn_detection/Reshape_1`) the only one
 * under the `wanted/` scope.
 */
export function findTensor(specs: readonly TensorSpec[], wanted: string): TensorSpec | undefined {
  const exact = specs.find((s) => s.name === wanted);
  if (exact) return exact;
  const scoped = specs.filter((s) => s.name.startsWith(`${wanted}/`));
  return scoped.length === 1 ? scoped[0] : undefined;
}

export function wrapGraphModel(model: GraphModel): RunnableModel {
  const specs = (
    names: string[],
    infos: ReadonlyArray<{ dtype?: string; shape?: number[] }>,
  ): TensorSpec[] =>
    names.map((name, i) => ({
      name: normalizeTensorName(name),
      dtype: infos[i]?.dtype,
      shape: infos[i]?.shape,
    }));
  const inputs = specs(model.inputNodes, model.inputs);
  const outputs = specs(model.outputNodes, model.outputs);
  const rawOutput = new Map(outputs.map((s, i) => [s.name, model.outputNodes[i]]));
  // Graphs with control flow (real TF OD API exports) need executeAsync; plain
  // graphs run faster and quieter through execute. Learn which on first use.
  let needsAsync = false;
  return {
    ...TFJS_RUNTIME,
    format: ModelFormat.GRAPH_MODEL,
    inputs,
    outputs,
    async run(feed, outputNames) {
      const names = outputNames.map((n) => rawOutput.get(n) ?? n);
      if (!needsAsync) {
        try {
          return asArray(model.execute(feed, names));
        } catch (err) {
          if (!/executeAsync/.test(String((err as Error).message))) throw err;
          needsAsync = true;
        }
      }
      return asArray(await model.executeAsync(feed, names));
    },
    dispose: () => model.dispose(),
  };
}

export function wrapSavedModel(
  model: TfjsNodeSavedModel,
  inputs: TensorSpec[],
  outputs: TensorSpec[],
): RunnableModel {
  return {
    ...TFJS_RUNTIME,
    format: ModelFormat.SAVED_MODEL,
    inputs,
    outputs,
    run(feed, outputNames) {
      const result = model.predict(feed) as tf.NamedTensorMap;
      const picked = outputNames.map((name) => {
        const tensor = result[name];
        if (!tensor) throw new Error(`SavedModel returned no output ${name}`);
        return tensor;
      });
      for (const [name, tensor] of Object.entries(result)) {
        if (!outputNames.includes(name)) tensor.dispose();
      }
      return Promise.resolve(picked);
    },
    dispose: () => model.dispose(),
  };
}

function asArray(result: tf.Tensor | tf.Tensor[]): tf.Tensor[] {
  return Array.isArray(result) ? result : [result];
}
