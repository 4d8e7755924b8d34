import type * as ort from 'onnxruntime-node';
import { describeError } from '@maskops/shared';
import { modelInvalid } from '../errors';
import { ModelFormat, Runtime } from '../inference/types';
import type { TensorSpec } from '../model/runnable-model';
import type { ModelRuntime } from './runtime';

/** An ONNX graph in an ONNX Runtime session (CPU execution provider). */
export interface OnnxModel extends ModelRuntime<ort.Tensor> {
  readonly runtime: typeof Runtime.ONNXRUNTIME;
  /** intra-op threads of the session. */
  readonly threads: number;
  /** A float32 input tensor over `data` (no copy). */
  float32(data: Float32Array, dims: readonly number[]): ort.Tensor;
}

export interface OnnxSessionOptions {
  /** ORT_INTRA_OP_THREADS: threads one run may use. */
  intraOpThreads: number;
}

/**
 * Opens `file` in an ONNX Runtime session: full graph optimisation, the CPU
 * execution provider, `intraOpThreads` threads inside each op and one across
 * ops (Mask R-CNN graphs are a chain; parallel branches would only compete for
 * the same cores). A file ONNX Runtime cannot load is MODEL_INVALID.
 */
export async function loadOnnxModel(file: string, options: OnnxSessionOptions): Promise<OnnxModel> {
  // Loaded on first use: a TF.js deployment never maps ONNX Runtime's 45 MB library.
  const ort = await import('onnxruntime-node');
  // ONNX Runtime writes its own log lines straight to stderr, bypassing the structured
  // log (initializer and shape-inference warnings, some once per run). Every failure
  // also surfaces as a thrown error, which is logged as JSON: only fatal lines remain.
  ort.env.logLevel = 'fatal';
  let session: ort.InferenceSession;
  try {
    session = await ort.InferenceSession.create(file, {
      executionProviders: ['cpu'],
      graphOptimizationLevel: 'all',
      intraOpNumThreads: options.intraOpThreads,
      interOpNumThreads: 1,
      executionMode: 'sequential',
      logSeverityLevel: 4,
    });
  } catch (err) {
    throw modelInvalid(`${file} is not a loadable ONNX model: ${describeError(err)}`, {
      cause: err,
    });
  }
  let live = 0;
  return {
    runtime: Runtime.ONNXRUNTIME,
    format: ModelFormat.ONNX,
    threads: options.intraOpThreads,
    float32: (data, dims) => new ort.Tensor('float32', data, dims),
    inputs: specs(session.inputMetadata),
    outputs: specs(session.outputMetadata),
    async run(feed, outputNames) {
      const result = await session.run(feed, [...outputNames]);
      const tensors = outputNames.map((name) => {
        const tensor = result[name];
        if (!tensor) throw new Error(`ONNX Runtime returned no output ${name}`);
        return tensor;
      });
      live += tensors.length;
      return tensors;
    },
    release(tensors) {
      for (const tensor of tensors) tensor.dispose();
      live = Math.max(0, live - tensors.length);
    },
    liveTensors: () => live,
    dispose: () => void session.release(),
  };
}

/** Graph metadata as TensorSpecs; symbolic (dynamic) dimensions become -1, as in TF.js. */
function specs(metadata: readonly ort.InferenceSession.ValueMetadata[]): TensorSpec[] {
  return metadata.map((m) =>
    m.isTensor
      ? {
          name: m.name,
          dtype: m.type,
          shape: m.shape.map((d) => (typeof d === 'number' && d >= 0 ? d : -1)),
        }
      : { name: m.name },
  );
}
