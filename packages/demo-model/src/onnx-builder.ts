import { onnx } from 'onnx-proto';

/** The opset the demo ONNX model is written against (ONNX's default domain only). */
const ONNX_OPSET = 17;
/** IR version 8 is the first that carries opset 17 (ONNX 1.12, and onnx-proto's schema). */
const IR_VERSION = 8;

const DataType = onnx.TensorProto.DataType;
export const OnnxType = {
  FLOAT: DataType.FLOAT,
  INT32: DataType.INT32,
  INT64: DataType.INT64,
  BOOL: DataType.BOOL,
} as const;
export type OnnxType = (typeof OnnxType)[keyof typeof OnnxType];

/** A dimension: a fixed size or a symbolic name (dynamic). */
export type Dim = number | string;

/** Attribute values, tagged with their ONNX type (a bare number could be INT or FLOAT). */
export type OnnxAttr =
  | { int: number }
  | { ints: readonly number[] }
  | { float: number }
  | { string: string }
  | { tensor: { type: OnnxType; values: readonly number[] } };

function attribute(name: string, value: OnnxAttr): onnx.IAttributeProto {
  const T = onnx.AttributeProto.AttributeType;
  if ('int' in value) return { name, type: T.INT, i: value.int };
  if ('ints' in value) return { name, type: T.INTS, ints: [...value.ints] };
  if ('float' in value) return { name, type: T.FLOAT, f: value.float };
  if ('string' in value) return { name, type: T.STRING, s: Buffer.from(value.string, 'utf8') };
  return { name, type: T.TENSOR, t: tensor('', value.tensor.type, [1], value.tensor.values) };
}

function tensor(
  name: string,
  type: OnnxType,
  dims: readonly number[],
  values: readonly number[],
): onnx.ITensorProto {
  const t: onnx.ITensorProto = { name, dataType: type, dims: [...dims] };
  if (type === OnnxType.FLOAT) t.floatData = [...values];
  else if (type === OnnxType.INT64) t.int64Data = [...values];
  else t.int32Data = [...values]; // INT32 and BOOL, per onnx.proto
  return t;
}

function valueInfo(name: string, type: OnnxType, dims: readonly Dim[]): onnx.IValueInfoProto {
  return {
    name,
    type: {
      tensorType: {
        elemType: type,
        shape: {
          dim: dims.map((d) => (typeof d === 'number' ? { dimValue: d } : { dimParam: d })),
        },
      },
    },
  };
}

/**
 * Builds an ONNX model with the onnx-proto bindings (protobufjs code generated from
 * onnx.proto): nodes in the order they are added, constants as initializers, names
 * derived from a scope and a counter, so the same calls always give the same bytes.
 */
export class OnnxBuilder {
  /** Prefix of the next node names (a readable path in Netron and error messages). */
  scope = 'graph';
  private readonly nodes: onnx.INodeProto[] = [];
  private readonly initializers: onnx.ITensorProto[] = [];
  private readonly inputs: onnx.IValueInfoProto[] = [];
  private readonly outputs: onnx.IValueInfoProto[] = [];
  private counter = 0;

  private fresh(op: string): string {
    this.counter += 1;
    return `${this.scope}/${op}_${this.counter}`;
  }

  input(name: string, type: OnnxType, dims: readonly Dim[]): string {
    this.inputs.push(valueInfo(name, type, dims));
    return name;
  }

  /**
   * Declares node result `value` a graph output named `name` by renaming it (an
   * Identity node would cost ORT a copy of a full-size output).
   */
  output(name: string, value: string, type: OnnxType, dims: readonly Dim[]): void {
    for (const node of this.nodes) {
      node.input = node.input!.map((v) => (v === value ? name : v));
      node.output = node.output!.map((v) => (v === value ? name : v));
    }
    this.outputs.push(valueInfo(name, type, dims));
  }

  constant(type: OnnxType, dims: readonly number[], values: readonly number[]): string {
    if (values.length !== dims.reduce((a, b) => a * b, 1)) {
      throw new RangeError(`constant of ${values.length} values does not fill [${dims.join(',')}]`);
    }
    const name = this.fresh('const');
    this.initializers.push(tensor(name, type, dims, values));
    return name;
  }
  f(value: number): string {
    return this.constant(OnnxType.FLOAT, [], [value]);
  }
  /** An int64 vector (axes, shapes, indices). */
  ints(values: readonly number[]): string {
    return this.constant(OnnxType.INT64, [values.length], values);
  }

  /** One node with `outputs` results; an empty input name is an omitted optional input. */
  node(
    opType: string,
    inputs: readonly string[],
    attrs: Record<string, OnnxAttr> = {},
    outputs = 1,
  ): string[] {
    const name = this.fresh(opType);
    const results = Array.from({ length: outputs }, (_, i) => `${name}:${i}`);
    this.nodes.push({
      name,
      opType,
      input: [...inputs],
      output: results,
      attribute: Object.entries(attrs).map(([key, value]) => attribute(key, value)),
    });
    return results;
  }
  /** A node with one result. */
  op(opType: string, inputs: readonly string[], attrs: Record<string, OnnxAttr> = {}): string {
    return this.node(opType, inputs, attrs)[0];
  }

  /** The serialized ModelProto. */
  build(graphName: string, docString: string): Buffer {
    const model = onnx.ModelProto.create({
      irVersion: IR_VERSION,
      opsetImport: [{ domain: '', version: ONNX_OPSET }],
      producerName: '@maskops/demo-model',
      producerVersion: '1',
      docString,
      graph: {
        name: graphName,
        node: this.nodes,
        initializer: this.initializers,
        input: this.inputs,
        output: this.outputs,
      },
    });
    return Buffer.from(onnx.ModelProto.encode(model).finish());
  }
}
