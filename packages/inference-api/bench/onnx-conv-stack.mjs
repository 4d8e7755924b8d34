// ONNX Runtime vs TF.js wasm on the same layer stack: 9 conv 3×3 layers (3 → 64 → … → 64
// channels, same padding, ReLU) on 1×3×256×256, the same seeded weights in both. The
// ONNX graph is written with @maskops/demo-model's OnnxBuilder (onnx-proto), the TF.js
// one with tf.conv2d. Used by bench/onnx.mjs; prints nothing itself.
import { createRequire } from 'node:module';
import { dirname } from 'node:path';
import * as ort from 'onnxruntime-node';
import { median } from './lib.mjs';

const require = createRequire(import.meta.url);
const tf = require('@tensorflow/tfjs');
const { setWasmPaths } = require('@tensorflow/tfjs-backend-wasm');
const { OnnxBuilder, OnnxType } = require('@maskops/demo-model');
const { seededRandom } = require('@maskops/shared');

const LAYERS = 9;
const CHANNELS = 64;
const SIDE = 256;
export const CONV_STACK = `${LAYERS} conv 3×3 → ${CHANNELS} ch + ReLU, 1×3×${SIDE}×${SIDE}`;

/** Per layer: weights in ONNX's OIHW order and the bias, He-scaled so activations stay finite. */
function layerWeights() {
  const rng = seededRandom(9);
  const layers = [];
  for (let l = 0, inC = 3; l < LAYERS; l++, inC = CHANNELS) {
    const scale = Math.sqrt(2 / (inC * 9));
    const w = Float32Array.from({ length: CHANNELS * inC * 9 }, () => (rng() * 2 - 1) * scale);
    const b = Float32Array.from({ length: CHANNELS }, () => (rng() * 2 - 1) * 0.1);
    layers.push({ inC, w, b });
  }
  return layers;
}

function onnxGraph(layers) {
  const g = new OnnxBuilder();
  let x = g.input('x', OnnxType.FLOAT, [1, 3, SIDE, SIDE]);
  for (const { inC, w, b } of layers) {
    const weights = g.constant(OnnxType.FLOAT, [CHANNELS, inC, 3, 3], w);
    const bias = g.constant(OnnxType.FLOAT, [CHANNELS], b);
    const conv = g.op('Conv', [x, weights, bias], {
      kernel_shape: { ints: [3, 3] },
      pads: { ints: [1, 1, 1, 1] },
    });
    x = g.op('Relu', [conv]);
  }
  g.output('y', x, OnnxType.FLOAT, [1, CHANNELS, SIDE, SIDE]);
  return g.build('conv-stack', CONV_STACK);
}

/** OIHW → HWIO, TF.js's filter layout. */
function toHwio(w, inC) {
  const out = new Float32Array(w.length);
  for (let o = 0; o < CHANNELS; o++)
    for (let i = 0; i < inC; i++)
      for (let k = 0; k < 9; k++) out[(k * inC + i) * CHANNELS + o] = w[(o * inC + i) * 9 + k];
  return out;
}

async function timeRuns(runs, once) {
  await once(); // warm-up: first-run allocations and kernel selection
  const ms = [];
  let last;
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    last = await once();
    ms.push(performance.now() - started);
  }
  return { ms: median(ms), last };
}

/** Median ms per run: ONNX Runtime at 1 and 2 threads, TF.js wasm; max |difference| of outputs. */
export async function benchConvStack(runs) {
  const layers = layerWeights();
  const rng = seededRandom(10);
  const nchw = Float32Array.from({ length: 3 * SIDE * SIDE }, () => rng());
  const model = onnxGraph(layers);
  const results = {};
  for (const threads of [1, 2]) {
    const session = await ort.InferenceSession.create(model, {
      intraOpNumThreads: threads,
      interOpNumThreads: 1,
      graphOptimizationLevel: 'all',
    });
    const feeds = { x: new ort.Tensor('float32', nchw, [1, 3, SIDE, SIDE]) };
    const r = await timeRuns(runs, async () => (await session.run(feeds)).y.data);
    results[`ort${threads}`] = r.ms;
    results.ortOut = r.last;
    await session.release();
  }

  setWasmPaths(`${dirname(require.resolve('@tensorflow/tfjs-backend-wasm'))}/`);
  await tf.setBackend('wasm');
  await tf.ready();
  const filters = layers.map(({ inC, w, b }) => ({
    w: tf.tensor4d(toHwio(w, inC), [3, 3, inC, CHANNELS]),
    b: tf.tensor1d(b),
  }));
  const input = tf.tidy(() => tf.tensor4d(nchw, [1, 3, SIDE, SIDE]).transpose([0, 2, 3, 1]));
  const r = await timeRuns(runs, async () => {
    const y = tf.tidy(() => {
      let x = input;
      for (const { w, b } of filters) x = tf.relu(tf.add(tf.conv2d(x, w, 1, 'same'), b));
      return x.transpose([0, 3, 1, 2]);
    });
    const data = await y.data();
    y.dispose();
    return data;
  });
  tf.dispose([input, ...filters.flatMap((f) => [f.w, f.b])]);
  results.tfjsWasm = r.ms;
  let diff = 0;
  for (let i = 0; i < r.last.length; i++)
    diff = Math.max(diff, Math.abs(r.last[i] - results.ortOut[i]));
  results.maxAbsDiff = diff;
  delete results.ortOut;
  return results;
}
