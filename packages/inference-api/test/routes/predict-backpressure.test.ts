import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/app';
import { GatedEngine } from '../fixtures/gated-engine';
import { pngHeaderOnly, solidImage } from '../fixtures/images';
import { testConfig } from '../fixtures/test-config';

/*
 * Queue, overload and timeout behaviour. The engine is the gated fixture: each
 * prediction runs until the test releases it, so "the model is busy" is a fact
 * of the test, not a race with the model's speed.
 */
let png: Buffer;
beforeAll(async () => {
  png = await solidImage('png');
});

async function start(
  overrides: Parameters<typeof testConfig>[0],
): Promise<{ app: FastifyInstance; engine: GatedEngine; url: string }> {
  const engine = new GatedEngine(true);
  const app = await buildApp({ config: testConfig(overrides), engine, logger: false });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.server.address() as AddressInfo;
  return { app, engine, url: `http://127.0.0.1:${port}` };
}

function predict(url: string, body: Buffer, signal?: AbortSignal): Promise<Response> {
  return fetch(`${url}/predict`, {
    method: 'POST',
    headers: { 'content-type': 'image/png' },
    body,
    signal,
  });
}

async function metric(url: string, name: string): Promise<string[]> {
  const text = await (await fetch(`${url}/metrics`)).text();
  return text.split('\n').filter((l) => l.startsWith(name));
}

async function until(cond: () => boolean | Promise<boolean>): Promise<void> {
  while (!(await cond())) await new Promise((r) => setTimeout(r, 5));
}

describe('backpressure', () => {
  it('queues up to MAX_QUEUE behind the running prediction, then answers 503 OVERLOADED with Retry-After', async () => {
    const { app, engine, url } = await start({ maxQueue: 2 });
    try {
      const first = predict(url, png);
      await engine.started(1);
      const queued = [predict(url, png), predict(url, png)];
      await until(() => app.queue.waiting === 2);
      expect(await metric(url, 'maskops_inference_queue_depth')).toContain(
        'maskops_inference_queue_depth 2',
      );

      const refused = await predict(url, png);
      expect(refused.status).toBe(503);
      expect(Number(refused.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
      expect(await refused.json()).toEqual({
        error: { code: 'OVERLOADED', message: expect.stringContaining('busy') },
      });

      // Health, readiness and metrics answer while the model is busy.
      expect((await fetch(`${url}/healthz`)).status).toBe(200);
      expect((await fetch(`${url}/readyz`)).status).toBe(200);

      engine.releaseAll();
      const answers = await Promise.all([first, ...queued]);
      expect(answers.map((r) => r.status)).toEqual([200, 200, 200]);
      expect(engine.calls).toHaveLength(3);
      expect(await metric(url, 'maskops_predict_rejected_total')).toContain(
        'maskops_predict_rejected_total{reason="overloaded"} 1',
      );
    } finally {
      engine.releaseAll();
      await app.close();
    }
  });

  it('refuses a pixel bomb with 422 at once while the model is busy and others wait', async () => {
    const { app, engine, url } = await start({ maxQueue: 2, maxImagePixels: 1_000_000 });
    try {
      const first = predict(url, png);
      await engine.started(1);
      const second = predict(url, png);
      await until(() => app.queue.waiting === 1);
      const bomb = await predict(url, pngHeaderOnly(50_000, 50_000));
      expect(bomb.status).toBe(422);
      expect(await bomb.json()).toMatchObject({
        error: { code: 'IMAGE_TOO_MANY_PIXELS' },
      });
      expect(app.queue.waiting).toBe(1);
      engine.releaseAll();
      await Promise.all([first, second]);
    } finally {
      engine.releaseAll();
      await app.close();
    }
  });

  it('with the queue full, refuses before reading the body', async () => {
    const { app, engine, url } = await start({ maxQueue: 1 });
    try {
      const first = predict(url, png);
      await engine.started(1);
      const second = predict(url, png);
      await until(() => app.queue.full);
      const { port } = new URL(url);
      // Announce 10 MB, send a few bytes, never the rest: the answer must not wait for it.
      const answer = await new Promise<{
        status: number;
        headers: Record<string, unknown>;
        body: string;
      }>((resolve, reject) => {
        const req = httpRequest(
          {
            host: '127.0.0.1',
            port: Number(port),
            method: 'POST',
            path: '/predict',
            headers: { 'content-type': 'image/png', 'content-length': 10_000_000 },
          },
          (res) => {
            let body = '';
            res.on('data', (d: Buffer) => (body += d.toString()));
            res.on('end', () =>
              resolve({ status: res.statusCode ?? 0, headers: res.headers, body }),
            );
          },
        );
        req.on('error', reject);
        req.write(png);
      });
      expect(answer.status).toBe(503);
      expect(answer.headers['connection']).toBe('close');
      expect(answer.headers['retry-after']).toMatch(/^\d+$/);
      expect(JSON.parse(answer.body)).toMatchObject({ error: { code: 'OVERLOADED' } });
      engine.releaseAll();
      await Promise.all([first, second]);
      expect(engine.calls).toHaveLength(2);
    } finally {
      engine.releaseAll();
      await app.close();
    }
  });

  it('answers 503 QUEUE_TIMEOUT to a request that waited REQUEST_TIMEOUT_MS, and never runs it', async () => {
    const { app, engine, url } = await start({ maxQueue: 4, requestTimeoutMs: 150 });
    try {
      const first = predict(url, png);
      await engine.started(1);
      const late = await predict(url, png);
      expect(late.status).toBe(503);
      expect(late.headers.get('retry-after')).toMatch(/^\d+$/);
      expect(await late.json()).toMatchObject({ error: { code: 'QUEUE_TIMEOUT' } });
      engine.releaseOne();
      expect((await first).status).toBe(200);
      await until(() => app.queue.active === 0);
      expect(engine.calls).toHaveLength(1);
      expect(await metric(url, 'maskops_predict_rejected_total')).toContain(
        'maskops_predict_rejected_total{reason="queue_timeout"} 1',
      );
    } finally {
      engine.releaseAll();
      await app.close();
    }
  });

  it('removes a queued request whose client disconnects; its work never starts', async () => {
    const { app, engine, url } = await start({ maxQueue: 4 });
    try {
      const first = predict(url, png);
      await engine.started(1);
      const { port } = new URL(url);
      const req = httpRequest({
        host: '127.0.0.1',
        port: Number(port),
        method: 'POST',
        path: '/predict',
        headers: { 'content-type': 'image/png', 'content-length': png.length },
      });
      req.on('error', () => undefined);
      req.end(png);
      await until(() => app.queue.waiting === 1);
      req.destroy();
      await until(() => app.queue.waiting === 0);
      engine.releaseOne();
      expect((await first).status).toBe(200);
      await until(() => app.queue.active === 0);
      expect(engine.calls).toHaveLength(1);
      expect(await metric(url, 'maskops_predict_rejected_total')).toContain(
        'maskops_predict_rejected_total{reason="client_closed"} 1',
      );
    } finally {
      engine.releaseAll();
      await app.close();
    }
  });

  it('answers 503 NOT_READY with Retry-After while the model is still loading', async () => {
    let resolveEngine!: (e: GatedEngine) => void;
    const loading = new Promise<GatedEngine>((r) => (resolveEngine = r));
    const app = await buildApp({ config: testConfig(), engine: loading, logger: false });
    try {
      expect((await app.inject('/healthz')).statusCode).toBe(200);
      const ready = await app.inject('/readyz');
      expect(ready.statusCode).toBe(503);
      expect(ready.json()).toMatchObject({ error: { code: 'NOT_READY' } });
      const r = await app.inject({
        method: 'POST',
        url: '/predict',
        headers: { 'content-type': 'image/png' },
        payload: png,
      });
      expect(r.statusCode).toBe(503);
      expect(r.headers['retry-after']).toBeDefined();
      expect(r.json()).toMatchObject({ error: { code: 'NOT_READY' } });
      expect((await app.inject('/v1/info')).json()).toMatchObject({ ready: false, model: null });

      resolveEngine(new GatedEngine(false));
      await app.lifecycle.settled;
      expect((await app.inject('/readyz')).statusCode).toBe(200);
    } finally {
      await app.close();
    }
  });

  it('reports a model that failed to load as not ready, not as a crash', async () => {
    const app = await buildApp({
      config: testConfig(),
      engine: Promise.reject(new Error('model.json: no such file')),
      logger: false,
    });
    try {
      await app.lifecycle.settled;
      expect((await app.inject('/healthz')).statusCode).toBe(200);
      expect((await app.inject('/readyz')).statusCode).toBe(503);
      const r = await app.inject({
        method: 'POST',
        url: '/predict',
        headers: { 'content-type': 'image/png' },
        payload: png,
      });
      expect(r.statusCode).toBe(503);
      expect(r.body).not.toContain('model.json');
    } finally {
      await app.close();
    }
  });
});
