#!/usr/bin/env node
// Serving benchmark (after `pnpm build`): the built server on a real port with
// the demo model, 1024×768 JPEGs of painted shapes.
//   1. closed loop (autocannon) at concurrency 1, 4, 16: throughput, p50, p99;
//   2. open loop at 3× the measured capacity: p99 of accepted requests vs the
//      unloaded p99, share refused (503), and how fast refusals come back.
// Usage: node bench/serving.mjs [--seconds 15] [--overload 3] [--max-queue 16]
import autocannon from 'autocannon';
import { arg, fmt, openLoop, quantile, shapesJpegs, startServer } from './lib.mjs';

const seconds = arg('seconds', 15);
const overload = arg('overload', 3);
const images = await shapesJpegs(4);
const maxQueue = arg('max-queue', 16);
const server = await startServer({ MAX_QUEUE: String(maxQueue) });
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
const rate = overload * capacity;
const results = await openLoop(server.url, images, rate, seconds);
const accepted = results
  .filter((r) => r.status === 200)
  .map((r) => r.ms)
  .sort((a, b) => a - b);
const refused = results
  .filter((r) => r.status === 503)
  .map((r) => r.ms)
  .sort((a, b) => a - b);
const other = results.length - accepted.length - refused.length;
console.log(
  `\nopen loop at ${overload}× capacity (${fmt(rate, 1)} req/s offered for ${seconds}s, capacity ${fmt(capacity, 2)} req/s)`,
);
console.log('metric | value');
console.log(`sent | ${results.length}`);
console.log(
  `accepted (200) | ${accepted.length} (${fmt((100 * accepted.length) / results.length, 1)}%)`,
);
console.log(
  `refused (503) | ${refused.length} (${fmt((100 * refused.length) / results.length, 1)}%)`,
);
console.log(`other | ${other}`);
console.log(
  `accepted p50 / p99 ms | ${fmt(quantile(accepted, 0.5))} / ${fmt(quantile(accepted, 0.99))}`,
);
console.log(`unloaded p99 ms (c=1) | ${fmt(unloadedP99)}`);
console.log(`accepted p99 / unloaded p99 | ${fmt(quantile(accepted, 0.99) / unloadedP99, 2)}`);
console.log(
  `refusal median / p99 ms | ${fmt(quantile(refused, 0.5), 1)} / ${fmt(quantile(refused, 0.99), 1)}`,
);
await server.stop();
