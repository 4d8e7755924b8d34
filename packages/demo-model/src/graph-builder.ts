/**
 * Builds a TF GraphDef in the JSON form the tfjs-converter writes into a
 * graph model's model.json, plus the weights shard for its Const nodes. Only
 * the attributes the tfjs-converter executor reads are written.
 */

export const DType = {
  FLOAT: 'DT_FLOAT',
  INT32: 'DT_INT32',
  BOOL: 'DT_BOOL',
  UINT8: 'DT_UINT8',
} as const;
export type DType = (typeof DType)[keyof typeof DType];

type WeightDtype = 'float32' | 'int32';

export interface AttrValue {
  type?: DType;
  b?: boolean;
  i?: string;
  f?: number;
  /** base64, as protobuf JSON encodes bytes */
  s?: string;
  shape?: TensorShape;
  list?: { i?: string[] };
  tensor?: { dtype: DType; tensorShape: TensorShape };
}

interface TensorShape {
  dim?: Array<{ size: string }>;
}

export interface NodeDef {
  name: string;
  op: string;
  input?: string[];
  attr?: Record<string, AttrValue>;
}

export interface WeightSpec {
  name: string;
  shape: number[];
  dtype: WeightDtype;
}

export interface BuiltGraph {
  nodes: NodeDef[];
  weightSpecs: WeightSpec[];
  weightData: Buffer;
}

function tensorShape(dims: readonly number[]): TensorShape {
  return dims.length === 0 ? {} : { dim: dims.map((d) => ({ size: String(d) })) };
}

export const attr = {
  type: (type: DType): AttrValue => ({ type }),
  bool: (b: boolean): AttrValue => ({ b }),
  int: (i: number): AttrValue => ({ i: String(i) }),
  float: (f: number): AttrValue => ({ f }),
  string: (s: string): AttrValue => ({ s: Buffer.from(s, 'utf8').toString('base64') }),
};

/**
 * Nodes are appended in creation order and named `<scope>/<Op>_<n>` unless a
 * name is given, so the same build always yields the same bytes.
 */
export class GraphBuilder {
  private readonly nodes: NodeDef[] = [];
  private readonly weightSpecs: WeightSpec[] = [];
  private readonly chunks: Buffer[] = [];
  private readonly names = new Set<string>();
  private readonly scalars = new Map<string, string>();
  private counter = 0;
  scope = 'demo';

  private uniqueName(op: string, name?: string): string {
    const chosen = name ?? `${this.scope}/${op}_${this.counter++}`;
    if (this.names.has(chosen)) throw new Error(`duplicate node name ${chosen}`);
    this.names.add(chosen);
    return chosen;
  }

  placeholder(name: string, dtype: DType, shape: readonly number[]): string {
    this.nodes.push({
      name: this.uniqueName('Placeholder', name),
      op: 'Placeholder',
      attr: { dtype: attr.type(dtype), shape: { shape: tensorShape(shape) } },
    });
    return name;
  }

  constant(
    values: ArrayLike<number>,
    shape: readonly number[],
    dtype: typeof DType.FLOAT | typeof DType.INT32,
    name?: string,
  ): string {
    const size = shape.reduce((a, b) => a * b, 1);
    if (size !== values.length)
      throw new Error(`constant: ${values.length} values for ${shape.join(',')}`);
    const nodeName = this.uniqueName('Const', name);
    const data =
      dtype === DType.FLOAT ? Float32Array.from(values) : Int32Array.from(values as number[]);
    this.chunks.push(Buffer.from(data.buffer, data.byteOffset, data.byteLength));
    this.weightSpecs.push({
      name: nodeName,
      shape: [...shape],
      dtype: dtype === DType.FLOAT ? 'float32' : 'int32',
    });
    this.nodes.push({
      name: nodeName,
      op: 'Const',
      attr: {
        value: { tensor: { dtype, tensorShape: tensorShape(shape) } },
        dtype: attr.type(dtype),
      },
    });
    return nodeName;
  }

  /** Scalar constants are shared: one Const node per (dtype, value). */
  scalar(value: number, dtype: typeof DType.FLOAT | typeof DType.INT32 = DType.FLOAT): string {
    const key = `${dtype}:${value}`;
    let name = this.scalars.get(key);
    if (name === undefined) {
      name = this.constant([value], [], dtype);
      this.scalars.set(key, name);
    }
    return name;
  }

  ints(values: readonly number[]): string {
    return this.constant(values, [values.length], DType.INT32);
  }

  op(
    op: string,
    inputs: readonly string[],
    attrs: Record<string, AttrValue> = {},
    name?: string,
  ): string {
    const node: NodeDef = { name: this.uniqueName(op, name), op, input: [...inputs] };
    if (Object.keys(attrs).length > 0) node.attr = attrs;
    this.nodes.push(node);
    return node.name;
  }

  build(): BuiltGraph {
    return {
      nodes: this.nodes.map((n) => ({ ...n })),
      weightSpecs: this.weightSpecs.map((w) => ({ ...w, shape: [...w.shape] })),
      weightData: Buffer.concat(this.chunks),
    };
  }
}
