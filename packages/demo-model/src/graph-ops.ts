import { DType, GraphBuilder, attr } from './graph-builder';

/**
 * Typed helpers over GraphBuilder, one per TF op the demo graphs use. Every op
 * here has a tfjs-converter mapper and a kernel on wasm, cpu and tfjs-node (the
 * demo-model tests run the generated graphs on wasm and cpu; tfjs-node's kernel
 * list was checked by hand, it is not installed here).
 */
export class GraphOps extends GraphBuilder {
  f(value: number): string {
    return this.scalar(value, DType.FLOAT);
  }
  i(value: number): string {
    return this.scalar(value, DType.INT32);
  }

  add(a: string, b: string): string {
    return this.op('AddV2', [a, b]);
  }
  sub(a: string, b: string): string {
    return this.op('Sub', [a, b]);
  }
  mul(a: string, b: string): string {
    return this.op('Mul', [a, b]);
  }
  div(a: string, b: string): string {
    return this.op('RealDiv', [a, b]);
  }
  maximum(a: string, b: string): string {
    return this.op('Maximum', [a, b]);
  }
  minimum(a: string, b: string): string {
    return this.op('Minimum', [a, b]);
  }
  abs(x: string): string {
    return this.op('Abs', [x]);
  }
  clip(x: string, lo: number, hi: number): string {
    return this.op('ClipByValue', [x, this.f(lo), this.f(hi)]);
  }
  round(x: string): string {
    return this.op('Round', [x]);
  }
  cast(x: string, to: DType): string {
    return this.op('Cast', [x], { DstT: attr.type(to) });
  }
  greaterEqual(a: string, b: string): string {
    return this.op('GreaterEqual', [a, b]);
  }
  lessEqual(a: string, b: string): string {
    return this.op('LessEqual', [a, b]);
  }
  floor(x: string): string {
    return this.op('Floor', [x]);
  }
  /** 1.0 where a >= b, else 0.0 */
  stepGe(a: string, b: string): string {
    return this.cast(this.greaterEqual(a, b), DType.FLOAT);
  }

  private reduce(
    op: 'Max' | 'Min' | 'Sum',
    x: string,
    axes: readonly number[],
    keep: boolean,
  ): string {
    return this.op(op, [x, this.ints(axes)], {
      keep_dims: attr.bool(keep),
      Tidx: attr.type(DType.INT32),
    });
  }
  max(x: string, axes: readonly number[], keep = false): string {
    return this.reduce('Max', x, axes, keep);
  }
  min(x: string, axes: readonly number[], keep = false): string {
    return this.reduce('Min', x, axes, keep);
  }
  sum(x: string, axes: readonly number[], keep = false): string {
    return this.reduce('Sum', x, axes, keep);
  }

  shape(x: string): string {
    return this.op('Shape', [x], { out_type: attr.type(DType.INT32) });
  }
  stridedSlice(
    x: string,
    begin: readonly number[],
    end: readonly number[],
    masks: { begin?: number; end?: number; shrink?: number } = {},
  ): string {
    return this.op(
      'StridedSlice',
      [x, this.ints(begin), this.ints(end), this.ints(begin.map(() => 1))],
      {
        begin_mask: attr.int(masks.begin ?? 0),
        end_mask: attr.int(masks.end ?? 0),
        ellipsis_mask: attr.int(0),
        new_axis_mask: attr.int(0),
        shrink_axis_mask: attr.int(masks.shrink ?? 0),
      },
    );
  }
  /** x[index] along the first axis, that axis removed. */
  element(x: string, index: number): string {
    return this.stridedSlice(x, [index], [index + 1], { shrink: 1 });
  }
  /** indices [..., 1] or [..., 2] into x's leading axes */
  gatherNd(x: string, indices: string): string {
    return this.op('GatherNd', [x, indices]);
  }
  transpose(x: string, perm: readonly number[]): string {
    return this.op('Transpose', [x, this.ints(perm)]);
  }
  squeeze(x: string, axes: readonly number[]): string {
    return this.op('Squeeze', [x], { squeeze_dims: { list: { i: axes.map(String) } } });
  }
  /**
   * Histogram of int32 1-D values in 0..size-1 (others ignored): float [size].
   * `size` is an int32 scalar node. (Bincount, not DenseBincount: tfjs-node has
   * no DenseBincount kernel.)
   */
  bincount(x: string, size: string): string {
    const noWeights = this.constant([], [0], DType.FLOAT);
    return this.op('Bincount', [x, size, noWeights], { T: attr.type(DType.FLOAT) });
  }
  /** kh×kw max over NHWC float x, stride 1, SAME padding (the padding never wins). */
  maxPool(x: string, kh: number, kw: number): string {
    return this.op('MaxPool', [x], {
      T: attr.type(DType.FLOAT),
      ksize: { list: { i: ['1', String(kh), String(kw), '1'] } },
      strides: { list: { i: ['1', '1', '1', '1'] } },
      padding: attr.string('SAME'),
      data_format: attr.string('NHWC'),
    });
  }
  gather(x: string, indices: string, axis = 0): string {
    return this.op('GatherV2', [x, indices, this.i(axis)], { batch_dims: attr.int(0) });
  }
  pack(xs: readonly string[], axis = 0): string {
    return this.op('Pack', xs, { N: attr.int(xs.length), axis: attr.int(axis) });
  }
  concat(xs: readonly string[], axis: number): string {
    return this.op('ConcatV2', [...xs, this.i(axis)], { N: attr.int(xs.length) });
  }
  reshape(x: string, shape: readonly number[]): string {
    return this.op('Reshape', [x, this.ints(shape)]);
  }
  expandDims(x: string, axis: number): string {
    return this.op('ExpandDims', [x, this.i(axis)]);
  }
  tile(x: string, reps: readonly number[]): string {
    return this.op('Tile', [x, this.ints(reps)]);
  }
  range(start: string, limit: string, delta: string): string {
    return this.op('Range', [start, limit, delta], { Tidx: attr.type(DType.INT32) });
  }
  /** Returns [values, indices]. */
  topK(x: string, k: number): [string, string] {
    const node = this.op('TopKV2', [x, this.i(k)], { sorted: attr.bool(true) });
    return [`${node}:0`, `${node}:1`];
  }
  identity(x: string, name: string): string {
    return this.op('Identity', [x], {}, name);
  }
}
