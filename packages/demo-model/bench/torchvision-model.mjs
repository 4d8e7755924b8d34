// Generation time, size and per-image time of the ONNX demo model on onnxruntime-node
// (CPU). Run after `pnpm --filter @maskops/demo-model build`:
//   node bench/torchvision-model.mjs [runs]
// Prints medians in ms; no assertions — the machine is shared, timings are for reading.
import { createRequire } from 'node:module';
import * as ort from 'onnxruntime-node';

const require = createRequire(import.meta.url);
const { buildTorchvisionGraph } = require('../dist/torchvision-graph.js');
const { paintShapes } = require('../dist/paint-shapes.js');

const RUNS = Number(process.argv[2] ?? 10);
const SIZES = [
  [640, 480],
  [1333, 1000],
];
const THREADS = [1, 2];

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

const generation = [];
let model;
for (let i = 0; i < RUNS; i++) {
  const started = performance.now();
  model = buildTorchvisionGraph();
  generation.push(performance.now() - started);
}
console.log(`model.onnx: ${model.length} bytes, generated in ${median(generation).toFixed(1)} ms`);

function images(width, height) {
  const { rgb } = paintShapes({ width, height, seed: 1, count: 8 });
  const plane = width * height;
  const data = new Float32Array(3 * plane);
  for (let p = 0; p < plane; p++) {
    for (let c = 0; c < 3; c++) data[c * plane + p] = rgb[p * 3 + c] / 255;
  }
  return new ort.Tensor('float32', data, [3, height, width]);
}

for (const threads of THREADS) {
  const started = performance.now();
  const session = await ort.InferenceSession.create(model, {
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    graphOptimizationLevel: 'all',
  });
  const load = performance.now() - started;
  for (const [width, height] of SIZES) {
    const feeds = { images: images(width, height) };
    await session.run(feeds); // warm-up
    const times = [];
    for (let i = 0; i < RUNS; i++) {
      const t = performance.now();
      const out = await session.run(feeds);
      times.push(performance.now() - t);
      if (out.labels.dims[0] !== 8)
        throw new Error(`expected 8 instances, got ${out.labels.dims[0]}`);
    }
    console.log(
      `${threads} thread(s) ${width}x${height} (8 shapes): median ${median(times).toFixed(1)} ms ` +
        `(min ${Math.min(...times).toFixed(1)}), session ${load.toFixed(0)} ms`,
    );
  }
  await session.release();
}
