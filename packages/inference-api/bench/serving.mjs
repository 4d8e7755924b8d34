#!/usr/bin/env node
// Serving benchmark (after `pnpm build`): the built server on a real port with
// the demo model, 1024×768 JPEGs of painted shapes.
//   1. closed loop (autocannon) at concurrency 1, 4, 16: throughput, p50, p99;
//   2. open loop at 3× the measured capacity, once per admission policy (count-
//      bounded queue only; expected wait): p99 of accepted requests vs the
//      unloaded p99, share refused (503), and how fast refusals come back.
// Usage: node bench/serving.mjs [--seconds 15] [--overload 3] [--max-queue 16] [--max-wait auto|ms]
import autocannon from 'autocannon';
import { arg, fmt, openLoop, quantile, shapesJpegs, startServer } from './lib.mjs';

const seconds = arg('seconds', 15);
const overload = arg('overload', 3);
const images = await shapesJpegs(4);
const maxQueue = arg('max-queue', 16);
const waitIndex = process.argv.indexOf('--max-wait');
const waitLimit = waitIndex >= 0 ? (process.argv[waitIndex + 1] ?? 'auto') : 'auto';
// Capacity and the unloaded latency are measured with the count-bounded queue
// only: a closed loop resends each refusal at once, and a storm of instant 503s
// would eat the CPU it is trying to measure.
const COUNT_ONLY = { MAX_QUEUE_WAIT_MS: '3600000' };
const server = await startServer({ MAX_QUEUE: String(maxQueue), ...COUNT_ONLY });
console.log(
  `server on ${server.url} (MAX_QUEUE ${maxQueue}); ${images.length} JPEGs 1024×768, ~${fmt(images[0].length / 1024)} KiB each`,
);

async function closedLoop(connections) {
  const result = await autocannon({
    url: `${server.url}/predict`,
    connections,
    duration: seconds,
    requests: images.map((body) => ({
      method: 'POST',
      headers: { 'content-type': 'image/jpeg' },
      body,
    })),
  });
  return {
    // Successful answers per second: refusals are fast and would inflate a raw req/s.
    rps: result['2xx'] / (result.duration || seconds),
    p50: result.latency.p50,
    p99: result.latency.p99,
    ok: result['2xx'],
    other: result.non2xx + result.errors + result.timeouts,
  };
}

// Warm the JIT and the worker.
await closedLoop(1);
const rows = [];
for (const c of [1, 4, 16]) rows.push({ c, ...(await closedLoop(c)) });
console.log('\nclosed loop (autocannon)');
console.log('concurrency | 2xx/s | p50 ms | p99 ms | 2xx | other');
for (const r of rows) {
  console.log(
    `${String(r.c).padStart(11)} | ${fmt(r.rps, 2).padStart(5)} | ${fmt(r.p50).padStart(6)} | ${fmt(r.p99).padStart(6)} | ${String(r.ok).padStart(3)} | ${r.other}`,
  );
}

const capacity = Math.max(...rows.map((r) => r.rps));
const unloadedP99 = rows[0].p99;
await server.stop();

// 2. The same overload against two admission policies, side by side: a
//    count-bounded queue only (MAX_QUEUE_WAIT_MS effectively off) and
//    admission by expected wait (MAX_QUEUE_WAIT_MS=auto).
const rate = overload * capacity;
const policies = [
  { name: `count only (MAX_QUEUE ${maxQueue})`, env: COUNT_ONLY },
  { name: `expected wait (MAX_QUEUE_WAIT_MS ${waitLimit})`, env: { MAX_QUEUE_WAIT_MS: waitLimit } },
];
const table = [];
for (const policy of policies) {
  const s = await startServer({ MAX_QUEUE: String(maxQueue), ...policy.env });
  // Warm up and give the estimate its first samples at the unloaded speed.
  await openLoop(s.url, images, capacity / 2, 2);
  const results = await openLoop(s.url, images, rate, seconds);
  await s.stop();
  const accepted = results
    .filter((r) => r.status === 200)
    .map((r) => r.ms)
    .sort((a, b) => a - b);
  const refused = results
    .filter((r) => r.status === 503)
    .map((r) => r.ms)
    .sort((a, b) => a - b);
  const p99 = quantile(accepted, 0.99);
  table.push({
    name: policy.name,
    sent: results.length,
    ok: accepted.length,
    refused: refused.length,
    other: results.length - accepted.length - refused.length,
    p99,
    ratio: p99 / unloadedP99,
    refusalMedian: quantile(refused, 0.5),
  });
}
console.log(
  `\nopen loop at ${overload}× capacity (${fmt(rate, 1)} req/s offered for ${seconds}s, capacity ${fmt(capacity, 2)} req/s), unloaded p99 ${fmt(unloadedP99)} ms (c=1)`,
);
console.log(
  'policy | sent | 200 | 503 | other | unloaded p99 ms | accepted p99 ms | ratio | refusal median ms',
);
for (const t of table) {
  console.log(
    `${t.name} | ${t.sent} | ${t.ok} | ${t.refused} | ${t.other} | ${fmt(unloadedP99)} | ${fmt(t.p99)} | ${fmt(t.ratio, 2)}× | ${fmt(t.refusalMedian, 1)}`,
  );
}
