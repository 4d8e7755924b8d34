import { spawnSync } from 'node:child_process';
import { request as httpRequest } from 'node:http';
import { encodeShapesImage, paintShapes } from '@maskops/demo-model';
import { MAIN_JS, startServer, type ServerProcess } from './server-process';

/*
 * The built server as Kubernetes runs it: a real child process, real signals.
 * Needs `pnpm build` (dist/main.js and the generated demo model).
 */
jest.setTimeout(60_000);

let big: Buffer;
let small: Buffer;
beforeAll(async () => {
  big = await encodeShapesImage(
    paintShapes({ width: 1600, height: 1200, seed: 5, count: 8 }),
    'png',
  );
  small = await encodeShapesImage(
    paintShapes({ width: 320, height: 240, seed: 6, count: 2 }),
    'jpeg',
  );
});

const running: ServerProcess[] = [];
afterEach(() => {
  for (const s of running.splice(0)) if (s.child.exitCode === null) s.child.kill('SIGKILL');
});

async function start(env: Record<string, string>): Promise<ServerProcess> {
  const s = await startServer(env);
  running.push(s);
  await s.waitFor((l) => l['message'] === 'model loaded and warmed: ready');
  return s;
}

function predict(s: ServerProcess, body: Buffer): Promise<number> {
  return fetch(`${s.url}/predict`, {
    method: 'POST',
    headers: { 'content-type': 'image/png' },
    body,
  }).then(async (r) => {
    await r.arrayBuffer();
    return r.status;
  });
}

/** One request on a fresh connection (no pooled keep-alive socket). */
function freshGet(s: ServerProcess, path: string): Promise<number | string> {
  return new Promise((resolve) => {
    const req = httpRequest({ host: '127.0.0.1', port: s.port, path, agent: false }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? 'error'));
    req.end();
  });
}

async function metric(s: ServerProcess, name: string): Promise<number> {
  const text = await (await fetch(`${s.url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return Number(line?.split(' ')[1] ?? NaN);
}

describe('node dist/main.js', () => {
  it('on SIGTERM: readiness off at once, keeps serving for the delay, finishes in-flight and queued work, exits 0', async () => {
    const s = await start({ SHUTDOWN_DELAY_MS: '1500', SHUTDOWN_GRACE_MS: '30000' });
    expect(await freshGet(s, '/readyz')).toBe(200);

    const inFlight = [predict(s, big), predict(s, big), predict(s, big)];
    while ((await metric(s, 'maskops_inference_queue_depth')) < 2) {
      await new Promise((r) => setTimeout(r, 20));
    }
    s.child.kill('SIGTERM');
    await s.waitFor((l) => String(l['message']).startsWith('draining'));
    expect(await freshGet(s, '/readyz')).toBe(503);
    expect(await freshGet(s, '/healthz')).toBe(200);
    // New work is still accepted during the delay (the load balancer has not noticed yet).
    const lateArrival = predict(s, small);

    await s.waitFor((l) => String(l['message']).startsWith('stopped accepting'));
    // The listener closes right after that line; a connection accepted just before
    // may be reset instead. Never served, and refused soon after.
    let answer = await freshGet(s, '/healthz');
    for (let i = 0; i < 50 && answer !== 'ECONNREFUSED'; i++) {
      expect([503, 'ECONNRESET']).toContain(answer);
      await new Promise((r) => setTimeout(r, 20));
      answer = await freshGet(s, '/healthz');
    }
    expect(answer).toBe('ECONNREFUSED');

    expect(await Promise.all([...inFlight, lateArrival])).toEqual([200, 200, 200, 200]);
    expect(await s.exited).toEqual({ code: 0, signal: null });
    expect(s.lines.map((l) => l['message'])).toContain('drained: exiting');
    for (const l of s.lines.filter((x) => !x['unparsed'])) {
      expect(l).toHaveProperty('severity');
      expect(l).toHaveProperty('message');
    }
  });

  it('drains on SIGINT too', async () => {
    const s = await start({ SHUTDOWN_DELAY_MS: '0', SHUTDOWN_GRACE_MS: '10000' });
    s.child.kill('SIGINT');
    expect(await s.exited).toEqual({ code: 0, signal: null });
  });

  it('exits 1, logged, when the work outlasts SHUTDOWN_GRACE_MS', async () => {
    const s = await start({ SHUTDOWN_DELAY_MS: '0', SHUTDOWN_GRACE_MS: '200', MAX_QUEUE: '16' });
    const requests = Array.from({ length: 6 }, () => predict(s, big).catch(() => 0));
    while ((await metric(s, 'maskops_inference_queue_depth')) < 4) {
      await new Promise((r) => setTimeout(r, 20));
    }
    s.child.kill('SIGTERM');
    expect(await s.exited).toEqual({ code: 1, signal: null });
    expect(s.lines.find((l) => l['severity'] === 'ERROR')).toMatchObject({
      message: 'shutdown grace expired: exiting with requests unfinished',
    });
    await Promise.all(requests);
  });

  it('stops with one line when MODEL_REQUIRE_GENERATION refuses an unpinned gs:// MODEL_PATH', () => {
    const r = spawnSync(process.execPath, [MAIN_JS], {
      env: {
        PATH: process.env.PATH,
        MODEL_REQUIRE_GENERATION: 'true',
        MODEL_PATH: 'gs://models/m/shapes',
      },
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(r.status).toBe(78);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0])).toMatchObject({
      severity: 'CRITICAL',
      variable: 'MODEL_PATH',
      message: expect.stringContaining('while MODEL_REQUIRE_GENERATION is true'),
    });
    expect(r.stdout).toBe('');
  });

  it('stops with one line naming a bad variable', () => {
    const r = spawnSync(process.execPath, [MAIN_JS], {
      env: { PATH: process.env.PATH, MAX_QUEUE: 'lots' },
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(r.status).toBe(78);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0])).toMatchObject({ severity: 'CRITICAL', variable: 'MAX_QUEUE' });
    expect(r.stdout).toBe('');
  });

  it('stops with one line naming every bad variable and what is wrong with each', () => {
    const r = spawnSync(process.execPath, [MAIN_JS], {
      env: { PATH: process.env.PATH, MAX_QUEUE: 'lots', PORT: '70000', LOG_LEVEL: 'verbose' },
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(r.status).toBe(78);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0])).toEqual({
      severity: 'CRITICAL',
      code: 'CONFIG_INVALID',
      variable: 'PORT, MAX_QUEUE, LOG_LEVEL',
      message:
        'invalid configuration: 3 settings are invalid: PORT: must be <= 65535, got 70000; ' +
        'MAX_QUEUE: must be an integer, got "lots"; ' +
        'LOG_LEVEL: must be one of trace, debug, info, warn, error, fatal, silent, got "verbose"',
    });
    expect(r.stdout).toBe('');
  });
});
