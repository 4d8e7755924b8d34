#!/usr/bin/env node
// Soak (after `pnpm build`): N minutes of open-loop load at ~80% of capacity on
// the built server; samples RSS and live TF.js tensors (from /metrics) every
// 10 s and prints the least-squares slope of each, per minute. Flat is good.
// Usage: node bench/soak.mjs [--minutes 10] [--load 0.8] [--rate <req/s>]
import { arg, fmt, openLoop, shapesJpegs, startServer, scrape } from './lib.mjs';

const minutes = arg('minutes', 10);
const load = arg('load', 0.8);
const images = await shapesJpegs(4);
const server = await startServer();

let rate = arg('rate', NaN);
if (!Number.isFinite(rate)) {
  // Capacity: one request at a time, back to back, for 10 s.
  const start = performance.now();
  let n = 0;
  while (performance.now() - start < 10_000) {
    await fetch(`${server.url}/predict`, {
      method: 'POST',
      headers: { 'content-type': 'image/jpeg' },
      body: images[n % 4],
    });
    n++;
  }
  rate = (load * n) / ((performance.now() - start) / 1000);
}
console.log(`soak: ${minutes} min at ${fmt(rate, 2)} req/s on ${server.url}`);

const samples = [];
const t0 = performance.now();
const sample = async () => {
  const m = await scrape(server.url);
  const s = { min: (performance.now() - t0) / 60_000, ...m };
  samples.push(s);
  console.log(`t=${fmt(s.min, 2)} min  rss=${fmt(s.rss / 2 ** 20, 1)} MiB  tensors=${s.tensors}`);
};
await sample();
const timer = setInterval(() => void sample(), 10_000);
const results = await openLoop(server.url, images, rate, minutes * 60);
clearInterval(timer);
await sample();

function slope(key) {
  const xs = samples.map((s) => s.min);
  const ys = samples.map((s) => s[key]);
  const mx = xs.reduce((a, b) => a + b, 0) / xs.length;
  const my = ys.reduce((a, b) => a + b, 0) / ys.length;
  let num = 0;
  let den = 0;
  xs.forEach((x, i) => {
    num += (x - mx) * (ys[i] - my);
    den += (x - mx) ** 2;
  });
  return num / den;
}
// Skip the first minute (allocator and JIT settle) when there is enough data.
const settled = samples.filter((s) => s.min >= 1);
if (settled.length >= 6) samples.splice(0, samples.length - settled.length);
const byStatus = {};
for (const r of results) byStatus[r.status] = (byStatus[r.status] ?? 0) + 1;
console.log(
  `\nrequests ${results.length}, by status: ${JSON.stringify(byStatus)} (0 = connection error)`,
);
console.log(`RSS slope: ${fmt(slope('rss') / 2 ** 20, 2)} MiB/min`);
console.log(`tensor slope: ${fmt(slope('tensors'), 3)} tensors/min`);
await server.stop();
