// Peak RSS and time of one large upload through the real server, per demo
// model: a fresh `node dist/main.js`, idle RSS, then POSTs of a 6300×6300 PNG
// of painted shapes (~40 Mpx, under MAX_IMAGE_PIXELS), the peak (VmHWM, reset
// with /proc/PID/clear_refs between runs) and the RSS a few seconds later.
// Linux only. Run after `pnpm build`:
//   node packages/inference-api/bench/memory.mjs [runs=3] [--side 6300] [--format json|png]
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { PACKAGE, startServer } from './lib.mjs';

const require = createRequire(import.meta.url);
const { paintShapes, encodeShapesImage } = require(
  join(PACKAGE, 'dist', 'demo-model', 'paint-shapes.js'),
);

const RUNS = Number(process.argv[2] ?? 3);
const flag = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : fallback;
};
const SIDE = Number(flag('side', 6300));
const FORMAT = flag('format', 'json');

const median = (values) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};
const statusKb = (pid, field) =>
  Number(readFileSync(`/proc/${pid}/status`, 'utf8').match(new RegExp(`${field}:\\s+(\\d+)`))[1]);
const sleep = (ms) => new Promise((res) => setTimeout(res, ms));

const png = await encodeShapesImage(
  paintShapes({ width: SIDE, height: SIDE, seed: 63, count: 8 }),
  'png',
);
console.log(`${SIDE}×${SIDE} PNG, ${(png.length / 1024).toFixed(0)} KiB, format=${FORMAT}`);

for (const model of ['shapes-tf-od-api', 'shapes-matterport']) {
  const server = await startServer({ MODEL_PATH: join(PACKAGE, 'models', model) });
  const pid = server.child.pid;
  await sleep(2000);
  const idle = statusKb(pid, 'VmRSS') / 1024;
  const peaks = [];
  const after = [];
  const times = [];
  let status = 0;
  for (let i = 0; i < RUNS; i++) {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
    const start = performance.now();
    const res = await fetch(`${server.url}/predict?format=${FORMAT}`, {
      method: 'POST',
      headers: { 'content-type': 'image/png' },
      body: png,
    });
    await res.arrayBuffer();
    times.push(performance.now() - start);
    status = res.status;
    peaks.push(statusKb(pid, 'VmHWM') / 1024 - idle);
    await sleep(3000);
    after.push(statusKb(pid, 'VmRSS') / 1024 - idle);
  }
  console.log(
    `${model}: status ${status}, idle RSS ${idle.toFixed(0)} MiB, ${RUNS} runs, medians: ` +
      `peak growth ${median(peaks).toFixed(0)} MiB (peak RSS ${(idle + median(peaks)).toFixed(0)} MiB), ` +
      `RSS 3 s later +${median(after).toFixed(0)} MiB, time ${median(times).toFixed(0)} ms`,
  );
  await server.stop();
}
