import * as tf from '@tensorflow/tfjs';
import { artifactsHandler } from '../../src/model/graph-model-files';
import { selectBackend } from '../../src/model/backend';
import { findTensor, wrapGraphModel } from '../../src/model/runnable-model';

const placeholder = (name: string) => ({
  name,
  op: 'Placeholder',
  attr: { dtype: { type: 'DT_FLOAT' }, shape: { shape: { dim: [{ size: '-1' }] } } },
});

/** A graph model from hand-written nodes, with a signature naming its tensors. */
async function graph(
  nodes: object[],
  signature?: { inputs: Record<string, string>; outputs: Record<string, string> },
): Promise<tf.GraphModel> {
  const entries = (m: Record<string, string>) =>
    Object.fromEntries(Object.entries(m).map(([key, name]) => [key, { name, dtype: 'DT_FLOAT' }]));
  return tf.loadGraphModel(
    artifactsHandler({
      format: 'graph-model',
      modelTopology: { node: nodes, versions: { producer: 1 } },
      weightSpecs: [],
      weightData: new ArrayBuffer(0),
      ...(signature
        ? { signature: { inputs: entries(signature.inputs), outputs: entries(signature.outputs) } }
        : {}),
    }),
  );
}

describe('wrapGraphModel', () => {
  beforeAll(() => selectBackend('wasm'));

  it('names tensors by signature key and returns outputs in the order asked', async () => {
    const model = wrapGraphModel(
      await graph(
        [
          placeholder('x'),
          { name: 'Identity', op: 'Neg', input: ['x'], attr: { T: { type: 'DT_FLOAT' } } },
          { name: 'Identity_1', op: 'Square', input: ['x'], attr: { T: { type: 'DT_FLOAT' } } },
        ],
        {
          inputs: { pixels: 'x:0' },
          outputs: { negated: 'Identity:0', squared: 'Identity_1:0' },
        },
      ),
    );
    expect(model.inputs.map((i) => i.name)).toEqual(['pixels']);
    expect(model.outputs.map((o) => o.name).sort()).toEqual(['negated', 'squared']);
    const x = tf.tensor1d([1, 2, 3]);
    const [squared, negated] = await model.run({ pixels: x }, ['squared', 'negated']);
    expect(Array.from(await squared.data())).toEqual([1, 4, 9]);
    expect(Array.from(await negated.data())).toEqual([-1, -2, -3]);
    tf.dispose([x, squared, negated]);
    model.dispose();
  });

  it('switches to executeAsync for graphs with dynamic ops', async () => {
    const model = wrapGraphModel(
      await graph([
        placeholder('x'),
        { name: 'where', op: 'Where', input: ['x'], attr: { T: { type: 'DT_FLOAT' } } },
      ]),
    );
    const x = tf.tensor1d([0, 5, 0, 7]);
    const before = tf.memory().numTensors;
    for (let i = 0; i < 2; i++) {
      const [indices] = await model.run({ x }, ['where']);
      expect(Array.from(await indices.data())).toEqual([1, 3]);
      indices.dispose();
    }
    expect(tf.memory().numTensors).toBe(before);
    x.dispose();
    model.dispose();
  });
});

describe('findTensor', () => {
  const specs = [
    { name: 'input_image' },
    { name: 'mrcnn_detection/Reshape_1' },
    { name: 'a/x' },
    { name: 'a/y' },
  ];

  it('matches exact names, then a single tensor under a Keras layer scope', () => {
    expect(findTensor(specs, 'input_image')).toEqual({ name: 'input_image' });
    expect(findTensor(specs, 'mrcnn_detection')).toEqual({ name: 'mrcnn_detection/Reshape_1' });
    expect(findTensor(specs, 'a')).toBeUndefined();
    expect(findTensor(specs, 'mrcnn')).toBeUndefined();
  });
});
