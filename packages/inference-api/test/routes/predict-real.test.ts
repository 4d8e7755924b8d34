import sharp from 'sharp';
import type { FastifyInstance } from 'fastify';
import { DEFAULT_MODEL_PATH } from '../../src/config';
import { encodeShapesImage, paintShapes } from '@maskops/demo-model';
import type { WorkerInferenceEngine } from '../../src/inference/engine';
import type { Prediction } from '../../src/inference/types';
import { expectShapesFound } from '../inference/shape-match';
import { multipartBody } from '../fixtures/images';
import { startRealApp } from '../fixtures/real-app';

/*
 * POST /predict end to end with the REAL engine (worker thread, TF.js, the
 * generated demo model at the default MODEL_PATH): painted shapes in, one
 * instance per shape out. Needs `pnpm build` (the worker runs from dist/).
 */
let engine: WorkerInferenceEngine;
let app: FastifyInstance;
const painted = paintShapes({ width: 640, height: 480, seed: 11, count: 4 });

beforeAll(async () => {
  ({ app, engine } = await startRealApp({ modelPath: DEFAULT_MODEL_PATH }));
});
afterAll(async () => {
  await app?.close();
  await engine?.close();
});

type Answer = Prediction & { model: { name: string; adapter: string; backend: string } };

describe('POST /predict with the demo model', () => {
  it('answers the documented JSON with one instance per painted shape, and Server-Timing', async () => {
    const jpeg = await encodeShapesImage(painted, 'jpeg');
    const r = await app.inject({
      method: 'POST',
      url: '/predict',
      headers: { 'content-type': 'image/jpeg' },
      payload: jpeg,
    });
    expect(r.statusCode).toBe(200);
    const body = r.json<Answer>();
    expect(Object.keys(body).sort()).toEqual(['image', 'instances', 'model', 'timings']);
    expect(body.model).toEqual({
      name: engine.info.name,
      adapter: 'tf-od-api',
      runtime: 'tfjs',
      backend: engine.info.backend,
    });
    expect(body.image).toEqual({ width: 640, height: 480 });
    expect(Object.keys(body.timings).sort()).toEqual([
      'decodeMs',
      'inferMs',
      'postprocessMs',
      'preprocessMs',
    ]);
    for (const inst of body.instances) {
      expect(Object.keys(inst).sort()).toEqual(['bbox', 'classId', 'label', 'mask', 'score']);
      expect(inst.mask.size).toEqual([480, 640]);
    }
    expectShapesFound(painted.shapes, body.instances);
    expect(r.headers['x-instance-count']).toBe(String(painted.shapes.length));
    const timing = String(r.headers['server-timing']);
    for (const stage of ['queue', 'decode', 'preprocess', 'infer', 'postprocess']) {
      expect(timing).toMatch(new RegExp(`${stage};dur=\\d+(\\.\\d+)?`));
    }
  });

  it('reads the image from a multipart "image" field the same way', async () => {
    const m = multipartBody([
      {
        name: 'image',
        filename: 'shapes.png',
        type: 'image/png',
        data: await encodeShapesImage(painted, 'png'),
      },
    ]);
    const r = await app.inject({
      method: 'POST',
      url: '/predict',
      headers: m.headers,
      payload: m.payload,
    });
    expect(r.statusCode).toBe(200);
    expectShapesFound(painted.shapes, r.json<Answer>().instances);
  });

  it('answers format=png with the overlay image', async () => {
    const r = await app.inject({
      method: 'POST',
      url: '/predict?format=png',
      headers: { 'content-type': 'image/webp' },
      payload: await encodeShapesImage(painted, 'webp'),
    });
    expect(r.statusCode).toBe(200);
    expect(r.headers['content-type']).toBe('image/png');
    const meta = await sharp(r.rawPayload).metadata();
    expect(meta).toMatchObject({ format: 'png', width: 640, height: 480 });
  });

  it('serves a TIFF upload', async () => {
    const r = await app.inject({
      method: 'POST',
      url: '/predict',
      headers: { 'content-type': 'image/tiff' },
      payload: await encodeShapesImage(painted, 'tiff'),
    });
    expect(r.statusCode).toBe(200);
    expectShapesFound(painted.shapes, r.json<Answer>().instances);
  });

  it('refuses a truncated JPEG (good header, missing data) with 400 IMAGE_UNDECODABLE', async () => {
    const jpeg = await encodeShapesImage(painted, 'jpeg');
    const r = await app.inject({
      method: 'POST',
      url: '/predict',
      headers: { 'content-type': 'image/jpeg' },
      payload: jpeg.subarray(0, Math.floor(jpeg.length / 3)),
    });
    expect(r.statusCode).toBe(400);
    expect(r.json()).toMatchObject({ error: { code: 'IMAGE_UNDECODABLE' } });
  });

  it('answers damaged images of every format with a 4xx, never a 5xx', async () => {
    const small = paintShapes({ width: 160, height: 120, seed: 9, count: 2 });
    let seed = 12345;
    const rand = (n: number): number => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const statuses: Record<string, number[]> = {};
    for (const format of ['jpeg', 'png', 'webp', 'tiff'] as const) {
      const good = await encodeShapesImage(small, format);
      const damaged: Buffer[] = [];
      for (let i = 0; i < 4; i++) damaged.push(good.subarray(0, 16 + rand(good.length - 16)));
      for (let i = 0; i < 4; i++) {
        const copy = Buffer.from(good);
        for (let k = 0; k < 8; k++) copy[16 + rand(copy.length - 16)] = rand(256);
        damaged.push(copy);
      }
      statuses[format] = [];
      for (const payload of damaged) {
        const r = await app.inject({
          method: 'POST',
          url: '/predict',
          headers: { 'content-type': `image/${format}` },
          payload,
        });
        statuses[format].push(r.statusCode);
        if (r.statusCode !== 200) {
          expect(r.json()).toEqual({
            error: { code: expect.any(String), message: expect.any(String) },
          });
        }
      }
    }
    for (const list of Object.values(statuses)) {
      for (const status of list)
        expect(status === 200 || (status >= 400 && status < 500)).toBe(true);
    }
  });

  it('answers /healthz, /readyz, /metrics and /v1/info while a prediction is running in the worker', async () => {
    const big = paintShapes({ width: 1280, height: 960, seed: 3, count: 8 });
    const bytes = await encodeShapesImage(big, 'png');
    const running = app.inject({
      method: 'POST',
      url: '/predict',
      headers: { 'content-type': 'image/png' },
      payload: bytes,
    });
    while (app.queue.active === 0) await new Promise((r) => setImmediate(r));
    const health = await app.inject('/healthz');
    const ready = await app.inject('/readyz');
    const metrics = await app.inject('/metrics');
    const info = await app.inject('/v1/info');
    // Still running: the probes did not wait for the model.
    const stillRunning = app.queue.active;
    expect([health.statusCode, ready.statusCode, metrics.statusCode, info.statusCode]).toEqual([
      200, 200, 200, 200,
    ]);
    expect(metrics.body).toContain('maskops_inference_in_flight 1');
    expect(stillRunning).toBe(1);
    const done = await running;
    expect(done.statusCode).toBe(200);
    expectShapesFound(big.shapes, done.json<Answer>().instances);
  });

  it('leaves no tensors behind in the worker', async () => {
    const before = await engine.numTensors();
    for (let i = 0; i < 3; i++) {
      const r = await app.inject({
        method: 'POST',
        url: '/predict?format=png',
        headers: { 'content-type': 'image/jpeg' },
        payload: await encodeShapesImage(
          paintShapes({ width: 320, height: 240, seed: 100 + i }),
          'jpeg',
        ),
      });
      expect(r.statusCode).toBe(200);
    }
    expect(await engine.numTensors()).toBe(before);
  });
});
