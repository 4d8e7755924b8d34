// ONNX Runtime serving costs, medians: the small torchvision fixture on its
// 640×480 PNG, and — when MASKOPS_R50_ONNX names a full-size maskrcnn_resnet50_fpn
// export (../shared/tools/torchvision-onnx/export.py) — that model, plus peak RSS.
// "request" = engine.predict through the worker: decode, preprocess, run,
// post-process and the thread round trip (all but HTTP). Run after `pnpm build`:
//   MASKOPS_R50_ONNX=/path/r50.onnx node packages/inference-api/bench/onnx.mjs [runs=10]
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const require = createRequire(import.meta.url);
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const { createEnginePool } = require(join(root, 'dist/inference/engine-pool.js'));

const RUNS = Number(process.argv[2] ?? 10);
const fixture = join(root, 'test/fixtures/torchvision-maskrcnn-small');
const png = await readFile(join(fixture, 'image-101-640x480.png'));
const threads = Number(process.env.ORT_INTRA_OP_THREADS ?? 2);
const median = (v) => [...v].sort((a, b) => a - b)[v.length >> 1];

const models = [['small fixture', fixture]];
if (process.env.MASKOPS_R50_ONNX) models.push(['R50-FPN', process.env.MASKOPS_R50_ONNX]);

console.log(`ONNX Runtime, ${threads} intra-op threads, 640×480 PNG, ${RUNS} runs`);
console.log('model          | model run ms | request ms | request / run | rss MiB');
for (const [name, modelPath] of models) {
  const engine = await createEnginePool(
    { modelPath, maxImagePixels: 40_000_000, intraOpThreads: threads },
    1,
  );
  await engine.predict(new Uint8Array(png), { minScore: 0.5 });
  const infer = [];
  const total = [];
  let rss = process.memoryUsage().rss;
  for (let i = 0; i < RUNS; i++) {
    const start = performance.now();
    const p = await engine.predict(new Uint8Array(png), { minScore: 0.5 });
    total.push(performance.now() - start);
    infer.push(p.timings.inferMs);
    rss = Math.max(rss, process.memoryUsage().rss);
  }
  await engine.close();
  const [run, req] = [median(infer), median(total)];
  console.log(
    `${name.padEnd(14)} | ${run.toFixed(0).padStart(12)} | ${req.toFixed(0).padStart(10)} | ` +
      `${(req / run).toFixed(3).padStart(13)} | ${(rss / 2 ** 20).toFixed(0).padStart(7)}`,
  );
}
