import type { ModelFormat, Runtime } from '../inference/types';
import type { TensorSpec } from '../model/runnable-model';

/**
 * A loaded model behind the runtime that executes it: named inputs in, named
 * outputs out. The model host, warm-up, metrics and the queue only use this;
 * adapters are written for one runtime's tensor type `T` (tf.Tensor, ort.Tensor).
 */
export interface ModelRuntime<T> {
  readonly runtime: Runtime;
  readonly format: ModelFormat;
  readonly inputs: readonly TensorSpec[];
  readonly outputs: readonly TensorSpec[];
  /** Returns the requested outputs in the order asked; release them with release(). */
  run(feed: Record<string, T>, outputNames: readonly string[]): Promise<T[]>;
  /** Frees run outputs (TF.js: dispose; ONNX Runtime: drop the native buffers). */
  release(tensors: readonly T[]): void;
  /**
   * Tensors alive in this runtime: TF.js's global tensor count; under ONNX Runtime
   * the run outputs not yet released (0 between requests: a leak shows as growth).
   */
  liveTensors(): number;
  dispose(): void;
}
