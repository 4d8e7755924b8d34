// Per-stage medians of the inference engine on a 1024×768 JPEG of painted
// shapes, for both demo variants, on the backend the engine picks (or
// TFJS_BACKEND). Run after `pnpm build`:
//   node packages/inference-api/bench/engine.mjs [runs=20]
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { createInferenceEngine } = require(join(root, 'dist/inference/engine.js'));
const { readConfig } = require(join(root, 'dist/config.js'));
const { modelConfigOf } = require(join(root, 'dist/inference/model-config.js'));
const { probeImage } = require(join(root, 'dist/images/probe.js'));
const { paintShapes, encodeShapesImage } = require('@maskops/demo-model');

const RUNS = Number(process.argv[2] ?? 20);
const WIDTH = 1024;
const HEIGHT = 768;
const STAGES = ['decodeMs', 'preprocessMs', 'inferMs', 'postprocessMs'];

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};

const painted = paintShapes({ width: WIDTH, height: HEIGHT, seed: 2024, count: 8 });
const jpeg = await encodeShapesImage(painted, 'jpeg');
// The header, probed once as the route does before the queue.
const probe = await probeImage(jpeg, WIDTH * HEIGHT);

for (const variant of ['shapes-tf-od-api', 'shapes-matterport']) {
  // The settings main.ts would read (TFJS_BACKEND among them), on this variant.
  const config = readConfig({ ...process.env, MODEL_PATH: join(root, 'models', variant) });
  const engine = await createInferenceEngine({ model: modelConfigOf(config) });
  const { info } = engine;
  // One more warm-up at the benchmark size (the engine's own warm-up is 256×256).
  await engine.predict(Buffer.from(jpeg), { minScore: 0.5, probe });
  const samples = Object.fromEntries(
    [...STAGES, 'totalMs', 'overlayRoundTripMs'].map((s) => [s, []]),
  );
  let instances = 0;
  for (let i = 0; i < RUNS; i++) {
    const start = performance.now();
    const p = await engine.predict(Buffer.from(jpeg), { minScore: 0.5, probe });
    samples.totalMs.push(performance.now() - start);
    for (const s of STAGES) samples[s].push(p.timings[s]);
    instances = p.instances.length;
  }
  for (let i = 0; i < Math.min(RUNS, 5); i++) {
    const start = performance.now();
    await engine.predict(Buffer.from(jpeg), { minScore: 0.5, overlay: true, probe });
    samples.overlayRoundTripMs.push(performance.now() - start);
  }
  console.log(
    `${variant} (${info.adapter}) on ${info.backend}: ${WIDTH}×${HEIGHT} JPEG, ` +
      `${instances}/${painted.shapes.length} shapes found, ${RUNS} runs, ` +
      `load ${engine.loadMs.toFixed(0)} ms, warm-up ${engine.warmupMs.toFixed(0)} ms`,
  );
  for (const [stage, values] of Object.entries(samples)) {
    console.log(`  median ${stage.padEnd(20)} ${median(values).toFixed(1).padStart(8)} ms`);
  }
  await engine.close();
}
