/**
 * The slice of @tensorflow/tfjs-node this service uses. tfjs-node is an
 * optionalDependency whose install downloads libtensorflow; where that fails
 * the package is absent (or a dangling link), so it is only ever required
 * behind a guard and typed here rather than imported.
 */
import { createRequire } from 'node:module';
import type { NamedTensorMap, Tensor } from '@tensorflow/tfjs-core';

interface SavedModelTensorInfo {
  name: string;
  dtype?: string;
  shape?: number[];
}

interface SavedModelSignature {
  inputs: Record<string, SavedModelTensorInfo>;
  outputs: Record<string, SavedModelTensorInfo>;
}

export interface TfjsNodeSavedModel {
  predict(inputs: NamedTensorMap): Tensor | Tensor[] | NamedTensorMap;
  dispose(): void;
}

export interface TfjsNode {
  node: {
    getMetaGraphsFromSavedModel(
      path: string,
    ): Promise<Array<{ tags: string[]; signatureDefs: Record<string, SavedModelSignature> }>>;
    loadSavedModel(path: string, tags?: string[], signature?: string): Promise<TfjsNodeSavedModel>;
  };
}

let cached: TfjsNode | undefined;

/** Requires tfjs-node (which registers the 'tensorflow' backend); throws if it is not installed. */
export function loadTfjsNode(): TfjsNode {
  if (!cached) {
    // A runtime require keeps the module optional: TypeScript never resolves it.
    cached = createRequire(__filename)('@tensorflow/tfjs-node') as TfjsNode;
  }
  return cached;
}

/** tfjs-node if it is already loaded or loads now, else undefined. */
export function tryLoadTfjsNode(): TfjsNode | undefined {
  try {
    return loadTfjsNode();
  } catch {
    return undefined;
  }
}
