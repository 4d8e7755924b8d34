// Shared by bench/serving.mjs and bench/soak.mjs: start the built server as a
// child process on a free port, make painted-shapes JPEGs, open-loop load, stats.
import { spawn } from 'node:child_process';
import { Agent, request } from 'node:http';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
export const PACKAGE = join(here, '..');
const require = createRequire(import.meta.url);

export function arg(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? Number(process.argv[i + 1]) : fallback;
}

export async function startServer(env = {}) {
  const child = spawn(process.execPath, [join(PACKAGE, 'dist', 'main.js')], {
    env: { ...process.env, PORT: '0', HOST: '127.0.0.1', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const lines = createInterface({ input: child.stdout });
  const port = await new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`server exited ${code}`)));
    lines.on('line', (text) => {
      try {
        const l = JSON.parse(text);
        if (typeof l.port === 'number' && String(l.message).startsWith('listening'))
          resolve(l.port);
      } catch {
        /* not JSON */
      }
    });
  });
  const url = `http://127.0.0.1:${port}`;
  for (;;) {
    const r = await fetch(`${url}/readyz`).catch(() => undefined);
    if (r?.status === 200) break;
    await new Promise((res) => setTimeout(res, 100));
  }
  const stop = async () => {
    child.kill('SIGTERM');
    await new Promise((res) => child.once('exit', res));
  };
  return { child, port, url, stop };
}

export async function shapesJpegs(n, width = 1024, height = 768) {
  const { paintShapes, encodeShapesImage } = require('@maskops/demo-model');
  const out = [];
  for (let i = 0; i < n; i++) {
    out.push(await encodeShapesImage(paintShapes({ width, height, seed: 1000 + i }), 'jpeg'));
  }
  return out;
}

export function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

export function quantile(sorted, q) {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
}

/** One POST /predict; resolves with status and latency (ms). Never rejects. */
export function postImage(url, body, agent) {
  const started = performance.now();
  return new Promise((resolve) => {
    const req = request(
      `${url}/predict`,
      {
        method: 'POST',
        agent,
        headers: { 'content-type': 'image/jpeg', 'content-length': body.length },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve({ status: res.statusCode, ms: performance.now() - started }));
      },
    );
    req.on('error', () => resolve({ status: 0, ms: performance.now() - started }));
    req.end(body);
  });
}

/**
 * Open-loop load (each result also says when it was sent, `at` ms into the run): requests are sent at `rate` per second whatever the server
 * does (the way real clients behave), unlike a closed loop that slows down with
 * the server and hides overload.
 */
export async function openLoop(url, bodies, rate, seconds) {
  const agent = new Agent({ keepAlive: true, maxSockets: 512 });
  const results = [];
  const pending = [];
  const interval = 1000 / rate;
  const start = performance.now();
  for (let i = 0; performance.now() - start < seconds * 1000; i++) {
    const due = start + i * interval;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    const at = performance.now() - start;
    pending.push(
      postImage(url, bodies[i % bodies.length], agent).then((r) => results.push({ ...r, at })),
    );
  }
  await Promise.all(pending);
  agent.destroy();
  return results;
}

export async function scrape(url) {
  const text = await (await fetch(`${url}/metrics`)).text();
  const value = (name) => {
    const line = text.split('\n').find((l) => l.startsWith(`${name} `));
    return line ? Number(line.split(' ')[1]) : NaN;
  };
  return {
    rss: value('process_resident_memory_bytes'),
    tensors: value('maskops_model_tensors'),
    standing: value('maskops_inference_queue_standing'),
  };
}

export function fmt(n, digits = 0) {
  return Number.isFinite(n) ? n.toFixed(digits) : '-';
}
