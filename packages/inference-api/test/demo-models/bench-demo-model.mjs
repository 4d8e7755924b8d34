// Per-inference time of the generated demo models on TF.js wasm (or cpu).
// Run after `pnpm --filter @maskops/inference-api build`:
//   node test/demo-models/bench-demo-model.mjs [runs] [wasm|cpu]
// Prints medians in ms; no assertions — the machine is shared, timings are for reading.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const tf = require('@tensorflow/tfjs');
const { setWasmPaths } = require('@tensorflow/tfjs-backend-wasm');
const { paintShapes } = require('@maskops/demo-model');
// This package's own build output (`maskops-demo-model --out models`).
const MODELS_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'models');

const RUNS = Number(process.argv[2] ?? 10);
const BACKEND = process.argv[3] ?? 'wasm';
const MEAN = [123.7, 116.8, 103.9];

async function load(dir) {
  const json = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
  const artifacts = await tf.io.getModelArtifactsForJSON(json, async (manifest) => [
    manifest.flatMap((g) => g.weights),
    new Uint8Array(
      Buffer.concat(manifest.flatMap((g) => g.paths.map((p) => readFileSync(join(dir, p))))),
    ).buffer,
  ]);
  return tf.loadGraphModel(tf.io.fromMemory(artifacts));
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

async function time(label, model, makeFeeds) {
  const times = [];
  for (let i = 0; i <= RUNS; i++) {
    const feeds = makeFeeds();
    const start = performance.now();
    const outputs = model.execute(feeds, model.outputNodes);
    await Promise.all(outputs.map((t) => t.data()));
    const ms = performance.now() - start;
    if (i > 0) times.push(ms); // the first run compiles and allocates
    tf.dispose([...Object.values(feeds), ...outputs]);
  }
  console.log(
    `${label}: median ${median(times).toFixed(1)} ms, min ${Math.min(...times).toFixed(1)} ms over ${RUNS} runs`,
  );
}

if (BACKEND === 'wasm')
  setWasmPaths(`${dirname(require.resolve('@tensorflow/tfjs-backend-wasm'))}/`);
await tf.setBackend(BACKEND);
await tf.ready();

const painted = paintShapes({ width: 1024, height: 768, seed: 1, count: 8 });
const tfOdApi = await load(join(MODELS_DIR, 'shapes-tf-od-api'));
const pixels = new Int32Array(painted.rgb);
await time(`${BACKEND} tf-od-api 1024x768`, tfOdApi, () => ({
  input_tensor: tf.tensor(pixels, [1, 768, 1024, 3], 'int32'),
}));

// Molded 1024² input: the 1024×768 image padded top and bottom, minus the mean pixel.
const S = 1024;
const molded = new Float32Array(S * S * 3);
for (let p = 0; p < S * S; p++) for (let c = 0; c < 3; c++) molded[p * 3 + c] = -MEAN[c];
molded.set(
  Float32Array.from(painted.rgb, (v, i) => v - MEAN[i % 3]),
  128 * S * 3,
);
const matterport = await load(join(MODELS_DIR, 'shapes-matterport'));
await time(`${BACKEND} matterport 1024x1024`, matterport, () => ({
  input_image: tf.tensor(molded, [1, S, S, 3]),
  input_image_meta: tf.zeros([1, 16]),
  input_anchors: tf.zeros([1, 261888, 4]),
}));
