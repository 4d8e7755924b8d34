// ONNX models served by the real server (dist/main.js as a child process, real HTTP on
// 127.0.0.1): the model's own run time (the answer's timings.inferMs) against the whole
// request as the client sees it, and closed-loop throughput with concurrent clients.
// Peak RSS is the server process's VmHWM (the worker threads live in it). Used by
// bench/onnx.mjs; prints nothing itself.
import { readFileSync } from 'node:fs';
import { Agent, request } from 'node:http';
import { median, startServer } from './lib.mjs';

/** The server's peak resident set (MiB) from /proc: VmHWM, not a sampled RSS. */
function peakRssMiB(pid) {
  const line = readFileSync(`/proc/${pid}/status`, 'utf8')
    .split('\n')
    .find((l) => l.startsWith('VmHWM:'));
  return line ? Number(line.split(/\s+/)[1]) / 1024 : NaN;
}

/** One POST /predict of a PNG; resolves with the client-side ms and the parsed answer. */
function predictPng(url, png, agent) {
  const started = performance.now();
  return new Promise((resolve, reject) => {
    const req = request(
      `${url}/predict`,
      {
        method: 'POST',
        agent,
        headers: { 'content-type': 'image/png', 'content-length': png.length },
      },
      (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => {
          const ms = performance.now() - started;
          if (res.statusCode !== 200) {
            reject(new Error(`HTTP ${res.statusCode}: ${Buffer.concat(chunks)}`));
            return;
          }
          const body = Buffer.concat(chunks);
          resolve({ ms, bytes: body.length, answer: JSON.parse(body.toString('utf8')) });
        });
      },
    );
    req.on('error', reject);
    req.end(png);
  });
}

async function withServer(modelPath, env, use) {
  const server = await startServer({ MODEL_PATH: modelPath, ...env });
  const agent = new Agent({ keepAlive: true });
  try {
    return await use(server, agent);
  } finally {
    agent.destroy();
    await server.stop();
  }
}

/**
 * Sequential requests after one warm-up: medians of the model's run, the whole
 * request, and of each stage the answer reports; the instances and bytes of the
 * last answer; the server's peak RSS.
 */
export function benchRequests(modelPath, png, runs, env = {}) {
  return withServer(modelPath, env, async ({ url, child }, agent) => {
    await predictPng(url, png, agent);
    const samples = {
      requestMs: [],
      inferMs: [],
      decodeMs: [],
      preprocessMs: [],
      postprocessMs: [],
    };
    let last;
    for (let i = 0; i < runs; i++) {
      last = await predictPng(url, png, agent);
      samples.requestMs.push(last.ms);
      for (const stage of ['inferMs', 'decodeMs', 'preprocessMs', 'postprocessMs']) {
        samples[stage].push(last.answer.timings[stage]);
      }
    }
    const medians = Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, median(v)]));
    return {
      ...medians,
      ratio: medians.requestMs / medians.inferMs,
      instances: last.answer.instances.length,
      bytes: last.bytes,
      peakRssMiB: peakRssMiB(child.pid),
    };
  });
}

/** `clients` closed-loop clients for `seconds` after a warm-up per client: requests/s, peak RSS. */
export function benchThroughput(modelPath, png, clients, seconds, env) {
  return withServer(modelPath, env, async ({ url, child }, agent) => {
    await Promise.all(Array.from({ length: clients }, () => predictPng(url, png, agent)));
    let done = 0;
    const started = performance.now();
    const until = started + seconds * 1000;
    await Promise.all(
      Array.from({ length: clients }, async () => {
        while (performance.now() < until) {
          await predictPng(url, png, agent);
          done++;
        }
      }),
    );
    const elapsed = (performance.now() - started) / 1000;
    return { perSecond: done / elapsed, requests: done, peakRssMiB: peakRssMiB(child.pid) };
  });
}
