// ONNX Runtime in one run, medians and ratios side by side (docs/serving.md quotes it):
//   a. ONNX Runtime vs TF.js wasm on the same 9-conv stack;
//   b. the small torchvision fixture over HTTP (real server, 640×480 PNG): model run vs
//      whole request;
//   c. throughput with 2 closed-loop clients: INFERENCE_WORKERS=1 × ORT_INTRA_OP_THREADS=2
//      vs 2 workers × 1 thread, peak RSS (VmHWM) of the server per configuration;
//   d. when MASKOPS_R50_ONNX names a full-size maskrcnn_resnet50_fpn export
//      (../shared/tools/torchvision-onnx/export.py): b and c for that model.
// Run after `pnpm build` (the server runs from dist/):
//   [MASKOPS_R50_ONNX=/tmp/maskrcnn_r50fpn.onnx] node packages/inference-api/bench/onnx.mjs [runs=10] [seconds=20]
// No assertions: the machine is shared, timings are for reading.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { PACKAGE, fmt } from './lib.mjs';
import { CONV_STACK, benchConvStack } from './onnx-conv-stack.mjs';
import { benchRequests, benchThroughput } from './onnx-serving.mjs';

const RUNS = Number(process.argv[2] ?? 10);
const SECONDS = Number(process.argv[3] ?? 20);
const CLIENTS = 2;
const fixture = join(PACKAGE, 'test/fixtures/torchvision-maskrcnn-small');
const png = await readFile(join(fixture, 'image-101-640x480.png'));
const progress = (line) => process.stderr.write(`onnx bench: ${line}\n`);

const models = [{ name: 'small fixture', path: fixture, runs: RUNS }];
if (process.env.MASKOPS_R50_ONNX) {
  models.push({ name: 'R50-FPN', path: process.env.MASKOPS_R50_ONNX, runs: RUNS });
}
const CONFIGS = [
  { workers: 1, threads: 2 },
  { workers: 2, threads: 1 },
];

progress(`a. ${CONV_STACK}, ${RUNS} runs`);
const conv = await benchConvStack(RUNS);

const requests = [];
const throughput = [];
for (const model of models) {
  progress(`b. ${model.name}: ${model.runs} sequential requests, 1 worker × 2 threads`);
  const r = await benchRequests(model.path, png, model.runs, {
    INFERENCE_WORKERS: '1',
    ORT_INTRA_OP_THREADS: '2',
  });
  requests.push({ model: model.name, ...r });
  for (const { workers, threads } of CONFIGS) {
    progress(`c. ${model.name}: ${CLIENTS} clients, ${workers} worker(s) × ${threads} thread(s)`);
    const t = await benchThroughput(model.path, png, CLIENTS, SECONDS, {
      INFERENCE_WORKERS: String(workers),
      ORT_INTRA_OP_THREADS: String(threads),
    });
    throughput.push({ model: model.name, workers, threads, ...t });
  }
}

console.log(`\na. ${CONV_STACK}, medians of ${RUNS} runs`);
console.log('runtime                        |     ms | vs ORT 1 thread');
const convRows = [
  ['onnxruntime-node, 1 thread', conv.ort1],
  ['onnxruntime-node, 2 threads', conv.ort2],
  ['tfjs wasm (1 thread in Node)', conv.tfjsWasm],
];
for (const [name, ms] of convRows) {
  console.log(
    `${name.padEnd(30)} | ${fmt(ms).padStart(6)} | ${fmt(ms / conv.ort1, 2).padStart(15)}`,
  );
}
console.log(`outputs agree within ${conv.maxAbsDiff.toExponential(1)} (max |ORT − TF.js|)`);

console.log(`\nb/d. 640×480 PNG over HTTP, 1 worker × 2 threads, medians of ${RUNS} requests`);
console.log(
  'model         | model run ms | request ms | request/run | decode | preproc | postproc | instances | answer KiB | peak RSS MiB',
);
for (const r of requests) {
  console.log(
    `${r.model.padEnd(13)} | ${fmt(r.inferMs).padStart(12)} | ${fmt(r.requestMs).padStart(10)} | ` +
      `${fmt(r.ratio, 3).padStart(11)} | ${fmt(r.decodeMs, 1).padStart(6)} | ` +
      `${fmt(r.preprocessMs, 1).padStart(7)} | ${fmt(r.postprocessMs, 1).padStart(8)} | ` +
      `${String(r.instances).padStart(9)} | ${fmt(r.bytes / 1024).padStart(10)} | ${fmt(r.peakRssMiB).padStart(12)}`,
  );
}

console.log(`\nc. throughput, ${CLIENTS} closed-loop clients, ${SECONDS} s per configuration`);
console.log('model         | workers × threads | requests/s | vs 1 × 2 | peak RSS MiB');
for (const t of throughput) {
  const base = throughput.find((b) => b.model === t.model && b.workers === 1);
  console.log(
    `${t.model.padEnd(13)} | ${`${t.workers} × ${t.threads}`.padStart(17)} | ` +
      `${fmt(t.perSecond, 2).padStart(10)} | ${fmt(t.perSecond / base.perSecond, 2).padStart(8)} | ` +
      `${fmt(t.peakRssMiB).padStart(12)}`,
  );
}
if (!process.env.MASKOPS_R50_ONNX) {
  console.log('\n(d skipped: set MASKOPS_R50_ONNX to a full-size maskrcnn_resnet50_fpn export)');
}
