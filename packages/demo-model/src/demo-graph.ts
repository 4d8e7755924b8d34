import type { BuiltGraph, DType } from './graph-builder';

/** A generated graph plus what its signature in model.json declares. */
export interface DemoGraph {
  graph: BuiltGraph;
  inputs: Record<string, { dtype: DType; shape: number[] }>;
  /** Output node names, in signature order. */
  outputs: string[];
}
