import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/app';
import { GatedEngine } from '../fixtures/gated-engine';
import { solidImage } from '../fixtures/images';
import { testConfig } from '../fixtures/test-config';

/*
 * The non-model routes and cross-cutting behaviour (errors, logs, metrics,
 * docs) through the real app. The gated fixture engine stands in for the model
 * here: these checks are about serving, and the real engine's answers are
 * checked in predict-real.test.ts.
 */
let app: FastifyInstance;
const lines: Record<string, unknown>[] = [];
const engine = new GatedEngine(false);

beforeAll(async () => {
  app = await buildApp({
    config: testConfig({ logLevel: 'info', buildId: 'build-42', commitSha: 'abc1234' }),
    engine,
    logger: { write: (l) => void lines.push(JSON.parse(l) as Record<string, unknown>) },
  });
});
afterAll(() => app.close());

describe('health and info', () => {
  it('GET /healthz is 200', async () => {
    const r = await app.inject('/healthz');
    expect(r.statusCode).toBe(200);
    expect(r.json()).toEqual({ status: 'ok' });
  });

  it('GET /readyz is 200 once the engine is loaded', async () => {
    const r = await app.inject('/readyz');
    expect(r.statusCode).toBe(200);
    expect(r.json()).toMatchObject({ status: 'ready' });
  });

  it('GET /v1/info reports service, build and model', async () => {
    const r = await app.inject('/v1/info');
    expect(r.statusCode).toBe(200);
    expect(r.json()).toEqual({
      service: 'maskops-inference-api',
      version: expect.stringMatching(/^\d+\.\d+\.\d+/),
      buildId: 'build-42',
      commitSha: 'abc1234',
      ready: true,
      model: {
        name: 'gated-fixture',
        format: 'tfjs-graph-model',
        adapter: 'tf-od-api',
        runtime: 'tfjs',
        backend: 'cpu',
        workers: 1,
        classCount: 3,
        labels: { 1: 'square', 2: 'circle', 3: 'triangle' },
        labelsSource: { kind: 'maskops.json' },
        demo: true,
        loadMs: 12,
        warmupMs: 34,
      },
      limits: {
        maxImageBytes: 20 * 1024 * 1024,
        maxImagePixels: 40_000_000,
        maxQueue: 16,
        maxQueueWaitMs: 15_000,
        queueTargetMs: 'auto',
        queueIntervalMs: 'auto',
        maxInflightBytes: 256 * 1024 * 1024,
        requestTimeoutMs: 30_000,
        defaultMinScore: 0.5,
      },
    });
  });

  it('/readyz turns 503 when draining while /healthz stays 200', async () => {
    const other = await buildApp({ config: testConfig(), engine, logger: false });
    try {
      other.lifecycle.drain();
      const r = await other.inject('/readyz');
      expect(r.statusCode).toBe(503);
      expect(r.headers['retry-after']).toBeDefined();
      expect(r.json()).toEqual({ error: { code: 'NOT_READY', message: 'not ready: draining' } });
      expect((await other.inject('/healthz')).statusCode).toBe(200);
    } finally {
      await other.close();
    }
  });

  it('/readyz turns 503 when the engine died', async () => {
    const other = await buildApp({ config: testConfig(), engine, logger: false });
    try {
      other.lifecycle.fail(new Error('worker exited'));
      expect((await other.inject('/readyz')).statusCode).toBe(503);
      const r = await other.inject({
        method: 'POST',
        url: '/predict',
        headers: { 'content-type': 'image/png' },
        payload: await solidImage('png'),
      });
      expect(r.statusCode).toBe(503);
      expect(r.json()).toMatchObject({ error: { code: 'NOT_READY' } });
    } finally {
      await other.close();
    }
  });

  it('while closing, answers 503 with Connection: close instead of serving', async () => {
    const other = await buildApp({ config: testConfig(), engine, logger: false });
    try {
      other.lifecycle.drain();
      const draining = await other.inject('/healthz');
      expect(draining.statusCode).toBe(200);
      expect(draining.headers['connection']).toBe('close');
      other.lifecycle.close();
      const r = await other.inject('/v1/info');
      expect(r.statusCode).toBe(503);
      expect(r.headers['connection']).toBe('close');
      expect(r.json()).toEqual({
        error: { code: 'NOT_READY', message: 'the server is shutting down' },
      });
    } finally {
      await other.close();
    }
  });
});

describe('errors', () => {
  it('turns an unexpected failure into a bare 500 without internals', async () => {
    const broken = new GatedEngine(false);
    broken.predict = () => Promise.reject(new Error('ENOENT /secret/path/model.bin'));
    const logs: string[] = [];
    const other = await buildApp({
      config: testConfig({ logLevel: 'info' }),
      engine: broken,
      logger: { write: (l) => void logs.push(l) },
    });
    try {
      const r = await other.inject({
        method: 'POST',
        url: '/predict',
        headers: { 'content-type': 'image/png' },
        payload: await solidImage('png'),
      });
      expect(r.statusCode).toBe(500);
      expect(r.json()).toEqual({ error: { code: 'INTERNAL', message: 'internal error' } });
      expect(r.body).not.toContain('secret');
      // …but the operator's log has it.
      expect(logs.join('')).toContain('/secret/path/model.bin');
    } finally {
      await other.close();
    }
  });
});

describe('logs', () => {
  it('writes one Cloud Logging line per request with id, route, status, duration and timings, never the image', async () => {
    const image = await solidImage('png');
    lines.length = 0;
    const r = await app.inject({
      method: 'POST',
      url: '/predict?min_score=0.3',
      headers: { 'content-type': 'image/png', 'x-request-id': 'req-abc.1' },
      payload: image,
    });
    expect(r.statusCode).toBe(200);
    expect(r.headers['x-request-id']).toBe('req-abc.1');
    const mine = lines.filter((l) => l['reqId'] === 'req-abc.1');
    expect(mine).toHaveLength(1);
    expect(mine[0]).toMatchObject({
      severity: 'INFO',
      message: 'POST /predict 200',
      method: 'POST',
      route: '/predict',
      status: 200,
      durationMs: expect.any(Number),
      queueWaitMs: expect.any(Number),
      instances: 1,
      imageBytes: image.length,
      timings: { decodeMs: 1, preprocessMs: 2, inferMs: 3, postprocessMs: 4 },
      time: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    });
    expect(mine[0]).not.toHaveProperty('level');
    expect(JSON.stringify(lines)).not.toContain(image.subarray(16, 40).toString('base64'));
  });

  it('logs the error code of a refused request and ignores unsafe request ids', async () => {
    lines.length = 0;
    const r = await app.inject({
      method: 'POST',
      url: '/predict',
      headers: { 'content-type': 'image/gif', 'x-request-id': 'evil\nid' },
      payload: 'GIF89a',
    });
    expect(r.statusCode).toBe(415);
    expect(r.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ status: 415, errorCode: 'UNSUPPORTED_MEDIA_TYPE' });
  });

  it('keeps probes and scrapes at debug level', async () => {
    lines.length = 0;
    await app.inject('/healthz');
    await app.inject('/metrics');
    expect(lines).toHaveLength(0);
  });
});

describe('GET /metrics', () => {
  it('exposes request, stage, queue, rejection and model metrics with default process metrics', async () => {
    await app.inject({
      method: 'POST',
      url: '/predict',
      headers: { 'content-type': 'image/png' },
      payload: await solidImage('png'),
    });
    const r = await app.inject('/metrics');
    expect(r.statusCode).toBe(200);
    expect(r.headers['content-type']).toMatch(/^text\/plain/);
    const text = r.body;
    expect(text).toMatch(
      /maskops_http_requests_total\{method="POST",route="\/predict",status_code="200"\} \d+/,
    );
    expect(text).toContain('maskops_http_request_duration_seconds_bucket{le="0.001",method="POST"');
    for (const stage of ['decode', 'preprocess', 'infer', 'postprocess', 'queue_wait']) {
      expect(text).toContain(`maskops_inference_stage_duration_seconds_count{stage="${stage}"}`);
    }
    expect(text).toContain('maskops_inference_queue_depth 0');
    expect(text).toContain('maskops_model_load_seconds 0.012');
    expect(text).toContain('maskops_model_warmup_seconds 0.034');
    expect(text).toContain(
      'maskops_model_info{model="gated-fixture",adapter="tf-od-api",backend="cpu",format="tfjs-graph-model",demo="true"} 1',
    );
    expect(text).toContain('maskops_model_tensors 0');
    expect(text).toContain('# TYPE maskops_predict_rejected_total counter');
    expect(text).toContain('process_resident_memory_bytes');
    expect(text).toContain('nodejs_eventloop_lag_seconds');
  });

  it('labels unknown URLs as unmatched (bounded cardinality)', async () => {
    await app.inject('/no/such/page/123');
    const text = (await app.inject('/metrics')).body;
    expect(text).toContain('route="unmatched",status_code="404"');
    expect(text).not.toContain('/no/such/page');
  });
});

describe('docs and upload page', () => {
  it('GET /docs/json is an OpenAPI document describing every route', async () => {
    const r = await app.inject('/docs/json');
    expect(r.statusCode).toBe(200);
    const spec = r.json<{
      openapi: string;
      paths: Record<string, Record<string, Record<string, unknown>>>;
    }>();
    expect(spec.openapi).toMatch(/^3\./);
    expect(Object.keys(spec.paths).sort()).toEqual(
      ['/healthz', '/metrics', '/predict', '/readyz', '/v1/info'].sort(),
    );
    const post = spec.paths['/predict']['post'];
    const body = post['requestBody'] as { content: Record<string, unknown> };
    expect(Object.keys(body.content)).toEqual(
      expect.arrayContaining([
        'image/jpeg',
        'image/png',
        'image/tiff',
        'image/webp',
        'multipart/form-data',
      ]),
    );
    const params = post['parameters'] as { name: string }[];
    expect(params.map((p) => p.name).sort()).toEqual(['format', 'min_score']);
    expect(Object.keys(post['responses'] as object)).toEqual(
      expect.arrayContaining(['200', '400', '413', '415', '422', '503']),
    );
  });

  it('GET /docs serves the Swagger UI from this server', async () => {
    const r = await app.inject('/docs');
    const page = r.statusCode === 302 ? await app.inject(r.headers.location as string) : r;
    expect(page.statusCode).toBe(200);
    expect(page.body).toContain('swagger-ui');
    expect(page.body).not.toMatch(/https?:\/\/(?!127\.0\.0\.1)[a-z]/i);
  });

  it('GET / serves the upload page with its script and stylesheet, no external URLs', async () => {
    const html = await app.inject('/');
    expect(html.statusCode).toBe(200);
    expect(html.headers['content-type']).toBe('text/html; charset=utf-8');
    expect(html.headers['content-security-policy']).toContain("default-src 'none'");
    expect(html.body).toContain('id="file-input"');
    for (const asset of ['/static/app.js', '/static/rle-codec.js', '/static/style.css']) {
      // The page links app.js and style.css; app.js imports the codec.
      if (asset !== '/static/rle-codec.js') expect(html.body).toContain(asset);
      const r = await app.inject(asset);
      expect(r.statusCode).toBe(200);
      expect(r.body).not.toMatch(/https?:\/\//);
    }
    expect(html.body).not.toMatch(/https?:\/\//);
  });
});
