#!/usr/bin/env node
// Serving benchmark (after `pnpm build`): the built server on a real port with
// the demo model, 1024×768 JPEGs of painted shapes.
//   1. closed loop (autocannon) at concurrency 1, 4, 16: capacity, unloaded p50/p99;
//   2. per admission policy, each on a fresh server, side by side in one run:
//      - a burst of MAX_QUEUE requests at once on an idle server: how many refused;
//      - open loop at 3× the measured capacity: accepted p99 vs the unloaded p99
//        (over the whole run, and once the onset has passed), goodput vs capacity,
//        how fast refusals come back.
//   Policies: "no delay" = QUEUE_INTERVAL_MS=0 (every waiting queue held to one median
//   service time: the policy before controlled delay); "fixed interval" = a fixed
//   max(100 ms, one service time), the `auto` interval before it followed the queue's
//   pace; "controlled delay" = the defaults.
//   The load average is printed: on a shared machine it decides the outcome.
// Usage: node bench/serving.mjs [--seconds 10] [--overload 3] [--max-queue 16] [--onset 2]
import { loadavg } from 'node:os';
import autocannon from 'autocannon';
import {
  arg,
  fmt,
  openLoop,
  postImage,
  quantile,
  scrape,
  shapesJpegs,
  startServer,
} from './lib.mjs';

const seconds = arg('seconds', 10);
const overload = arg('overload', 3);
const maxQueue = arg('max-queue', 16);
// Seconds of overload left out of the "steady" p99: the requests a burst-tolerant
// policy admits before the queue has stood for QUEUE_INTERVAL_MS.
const onset = arg('onset', 2);
const load = () =>
  loadavg()
    .map((l) => fmt(l, 2))
    .join(' ');
console.log(`load average at start: ${load()}`);
const images = await shapesJpegs(4);
// Capacity and the unloaded latency are measured with the count-bounded queue
// only (the queue never counts as standing): a closed loop resends each refusal
// at once, and a storm of instant 503s would eat the CPU it is trying to measure.
const COUNT_ONLY = { QUEUE_INTERVAL_MS: '3600000' };
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

const rate = overload * capacity;
const fixedInterval = String(Math.max(100, Math.round(1000 / capacity)));
const policies = [
  { name: 'no delay (QUEUE_INTERVAL_MS=0)', env: { QUEUE_INTERVAL_MS: '0' } },
  {
    name: `fixed interval (QUEUE_INTERVAL_MS=${fixedInterval})`,
    env: { QUEUE_INTERVAL_MS: fixedInterval },
  },
  { name: 'controlled delay (defaults)', env: {} },
];
const sorted = (results, status) =>
  results
    .filter((r) => r.status === status)
    .map((r) => r.ms)
    .sort((a, b) => a - b);
const table = [];
for (const policy of policies) {
  const s = await startServer({ MAX_QUEUE: String(maxQueue), ...policy.env });
  // Warm up and give the estimate its first samples at the unloaded speed.
  await openLoop(s.url, images, capacity / 2, 2);
  // Idle: the warm-up's queue (if it stood) has stayed empty for a whole interval.
  while ((await scrape(s.url)).standing !== 0) await new Promise((r) => setTimeout(r, 100));
  const burst = await Promise.all(
    Array.from({ length: maxQueue }, (_, i) => postImage(s.url, images[i % images.length])),
  );
  // The overload starts on an idle server too (the burst's queue no longer stands).
  while ((await scrape(s.url)).standing !== 0) await new Promise((r) => setTimeout(r, 100));
  const results = await openLoop(s.url, images, rate, seconds);
  await s.stop();
  const accepted = sorted(results, 200);
  const steady = sorted(
    results.filter((r) => r.at >= onset * 1000),
    200,
  );
  const refused = sorted(results, 503);
  const slow = results.filter((r) => r.status === 200 && r.ms > 2 * unloadedP99);
  table.push({
    slow: slow.length,
    slowOnset: slow.filter((r) => r.at < onset * 1000).length,
    name: policy.name,
    burstRefused: burst.filter((r) => r.status === 503).length,
    burstOther: burst.filter((r) => r.status !== 200 && r.status !== 503).length,
    sent: results.length,
    ok: accepted.length,
    refused: refused.length,
    other: results.length - accepted.length - refused.length,
    goodput: accepted.length / seconds,
    p99: quantile(accepted, 0.99),
    steadyP99: quantile(steady, 0.99),
    refusalP50: quantile(refused, 0.5),
    refusalP99: quantile(refused, 0.99),
  });
}
console.log(
  `\nburst of ${maxQueue} on an idle server, then open loop at ${overload}× capacity (${fmt(rate, 1)} req/s offered for ${seconds}s, capacity ${fmt(capacity, 2)} req/s), unloaded p99 ${fmt(unloadedP99)} ms (c=1); "steady" leaves out requests sent in the first ${onset} s`,
);
console.log(
  'policy | burst refused (other) | sent | 200 | 503 | other | goodput 2xx/s (× capacity) | accepted p99 ms (× unloaded) | steady p99 ms (× unloaded) | accepted > 2× unloaded p99 (in the onset) | refusal p50 / p99 ms',
);
for (const t of table) {
  console.log(
    `${t.name} | ${t.burstRefused}/${maxQueue} (${t.burstOther}) | ${t.sent} | ${t.ok} | ${t.refused} | ${t.other} | ${fmt(t.goodput, 2)} (${fmt(t.goodput / capacity, 2)}×) | ${fmt(t.p99)} (${fmt(t.p99 / unloadedP99, 2)}×) | ${fmt(t.steadyP99)} (${fmt(t.steadyP99 / unloadedP99, 2)}×) | ${t.slow} (${t.slowOnset}) | ${fmt(t.refusalP50, 1)} / ${fmt(t.refusalP99, 1)}`,
  );
}
console.log(`load average at the end: ${load()}`);
