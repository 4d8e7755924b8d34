import { modelInvalid, type InferenceApiError } from '../../errors';
import type { TensorSpec } from '../../model/runnable-model';

/** The tensors of torchvision's detection exports (packages/inference-api/README.md, "Export your torchvision model"). */
export const TORCHVISION_TENSORS = {
  input: 'images',
  outputs: ['boxes', 'labels', 'scores', 'masks'],
} as const;

interface Expect {
  name: string;
  dtype: string;
  rank: number;
  /** Fixed dimensions by index (-1 in the graph = dynamic, accepted). */
  fixed?: Record<number, number>;
}

const EXPECTED: readonly Expect[] = [
  { name: 'images', dtype: 'float32', rank: 3, fixed: { 0: 3 } },
  { name: 'boxes', dtype: 'float32', rank: 2, fixed: { 1: 4 } },
  { name: 'labels', dtype: 'int64', rank: 1 },
  { name: 'scores', dtype: 'float32', rank: 1 },
  { name: 'masks', dtype: 'float32', rank: 4, fixed: { 1: 1 } },
];

const SUPPORTED_ONNX_CONTRACTS =
  'torchvision (input images float32 [3,H,W]; outputs boxes float32 [N,4], labels int64 [N], ' +
  'scores float32 [N], masks float32 [N,1,H,W] or [N,1,M,M])';

/** Whether the graph's inputs and outputs are torchvision's, by name, dtype and rank. */
export function fitsTorchvision(model: {
  inputs: readonly TensorSpec[];
  outputs: readonly TensorSpec[];
}): boolean {
  const [input, ...outputs] = EXPECTED;
  return (
    model.inputs.length === 1 &&
    matches(model.inputs[0], input) &&
    outputs.every((e) => {
      const spec = model.outputs.find((s) => s.name === e.name);
      return spec !== undefined && matches(spec, e);
    })
  );
}

function matches(spec: TensorSpec, e: Expect): boolean {
  if (spec.name !== e.name || spec.dtype !== e.dtype) return false;
  if (!spec.shape) return true;
  if (spec.shape.length !== e.rank) return false;
  return Object.entries(e.fixed ?? {}).every(([i, size]) => {
    const dim = spec.shape![Number(i)];
    return dim < 0 || dim === size;
  });
}

/** MODEL_INVALID naming every tensor found and every contract supported (one log line). */
export function unknownOnnxContract(model: {
  inputs: readonly TensorSpec[];
  outputs: readonly TensorSpec[];
}): InferenceApiError {
  const list = (specs: readonly TensorSpec[]) =>
    specs.length
      ? specs
          .map((s) => `${s.name} ${s.dtype ?? '?'} [${(s.shape ?? []).map(dim).join(',')}]`)
          .join(', ')
      : '(none)';
  return modelInvalid(
    `the ONNX graph fits no supported contract: inputs found: ${list(model.inputs)}; ` +
      `outputs found: ${list(model.outputs)}; supported: ${SUPPORTED_ONNX_CONTRACTS}`,
  );
}

function dim(d: number): string {
  return d < 0 ? '?' : String(d);
}
