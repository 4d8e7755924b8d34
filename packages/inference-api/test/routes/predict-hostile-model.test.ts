import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import sharp from 'sharp';
import { ErrorCode } from '../../src/errors';
import { createInferenceEngine } from '../../src/inference/engine';
import type { Instance } from '../../src/inference/types';
import { writeHostileModel } from '../fixtures/hostile-model';
import { solidImage } from '../fixtures/images';
import { startRealApp, type RealApp } from '../fixtures/real-app';
import { testModelConfig } from '../fixtures/test-config';

/*
 * A model's outputs are input: generated ONNX graphs (torchvision's contract) that
 * answer NaN and infinite boxes, boxes far larger than the image, 20 000
 * detections and huge class ids, served by the real app on a real worker.
 */
const W = 64;
const H = 48;
const root = mkdtempSync(join(tmpdir(), 'maskops-hostile-'));
const started: RealApp[] = [];
let dark: Buffer;
let bright: Buffer;

beforeAll(async () => {
  dark = await solidImage('png', W, H); // grey 200: under the graph's brightness switch
  bright = await sharp({
    create: { width: W, height: H, channels: 3, background: { r: 255, g: 255, b: 255 } },
  })
    .png()
    .toBuffer();
});
afterAll(async () => {
  for (const { app, engine } of started) {
    await app.close();
    await engine.close();
  }
  rmSync(root, { recursive: true, force: true });
});

async function serve(
  name: string,
  ...args: Parameters<typeof writeHostileModel> extends [string, ...infer R] ? R : never
): Promise<FastifyInstance> {
  const modelPath = writeHostileModel(join(root, name), ...args);
  const real = await startRealApp({ modelPath, ortIntraOpThreads: 1 });
  started.push(real);
  return real.app;
}

const post = (app: FastifyInstance, png: Buffer) =>
  app.inject({
    method: 'POST',
    url: '/predict?min_score=0',
    headers: { 'content-type': 'image/png' },
    payload: png,
  });

const metric = async (app: FastifyInstance, name: string): Promise<number> => {
  const text = (await app.inject({ method: 'GET', url: '/metrics' })).body;
  const line = text.split('\n').find((l) => l.startsWith(name + ' ') || l.startsWith(name + '{'));
  return line ? Number(line.split(' ').pop()) : 0;
};

describe('a model answering non-finite boxes or scores', () => {
  const good = [4, 4, 20, 20];
  let app: FastifyInstance;
  beforeAll(async () => {
    app = await serve('nan-when-bright', {
      boxes: [good, good, good],
      // Grey warm-up images see `boxes`; bright uploads see these.
      brightBoxes: [good, [NaN, 0, 10, 10], [0, -Infinity, 10, Infinity]],
      labels: [1, 2, 3],
      scores: [0.9, 0.8, 0.7],
    });
  }, 60_000);

  it('drops those instances, counts them, and keeps answering', async () => {
    const r = await post(app, bright);
    expect(r.statusCode).toBe(200);
    const { instances } = r.json<{ instances: Instance[] }>();
    expect(instances.map((i) => i.score)).toEqual([0.9]);
    expect(instances[0].bbox).toEqual([4, 4, 16, 16]);
    expect(await metric(app, 'maskops_model_outputs_dropped_total{reason="non_finite"}')).toBe(2);
  });

  it('turns /readyz to 503 with the reason at a rate of them, and back once they stop', async () => {
    expect((await app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(200);
    for (let i = 0; i < 4; i++) expect((await post(app, bright)).statusCode).toBe(200);
    const notReady = await app.inject({ method: 'GET', url: '/readyz' });
    expect(notReady.statusCode).toBe(503);
    expect(notReady.json()).toMatchObject({
      error: {
        code: 'NOT_READY',
        message:
          'not ready: the model gave non-finite boxes or scores in 5 of the last 5 predictions',
      },
    });
    // 5 bad among the last 20 is still a quarter; 4 is not.
    for (let i = 0; i < 15; i++) expect((await post(app, dark)).statusCode).toBe(200);
    expect((await app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(503);
    expect((await post(app, dark)).statusCode).toBe(200);
    expect((await app.inject({ method: 'GET', url: '/readyz' })).statusCode).toBe(200);
  });

  it('is never ready when the warm-up already shows them', async () => {
    const modelPath = writeHostileModel(join(root, 'nan-always'), {
      boxes: [[0, 0, NaN, 4]],
      labels: [1],
      scores: [0.5],
    });
    await expect(
      createInferenceEngine({ model: testModelConfig({ modelPath, maxImagePixels: 1e6 }) }),
    ).rejects.toMatchObject({
      code: ErrorCode.MODEL_INVALID,
      message: expect.stringContaining(
        '1 detections with non-finite boxes or scores on the warm-up',
      ),
    });
  });
});

describe('a model answering too much', () => {
  const N = 20_000;
  let app: FastifyInstance;
  beforeAll(async () => {
    // Scores in a shuffled order (a stride coprime with N), all distinct.
    const scores = Array.from({ length: N }, (_, i) => ((i * 7919) % N) / N);
    app = await serve(
      'too-much',
      {
        boxes: Array.from({ length: N }, (_, i) =>
          i === 0 ? [-1e7, -1e7, 1e7, 1e7] : [1, 2, 30, 40],
        ),
        labels: Array.from({ length: N }, (_, i) => (i % 2 === 0 ? 30_000_000 : 1 + (i % 3))),
        scores: scores.map((s, i) => (i === 0 ? 0.99995 : s)),
      },
      { 'labels.txt': 'background\nsquare\ncircle\ntriangle\n' },
    );
  }, 60_000);

  it('keeps the MAX_INSTANCES highest scores and says it truncated', async () => {
    const r = await post(app, dark);
    expect(r.statusCode).toBe(200);
    const body = r.json<{ instances: Instance[]; truncated?: boolean }>();
    expect(body.truncated).toBe(true);
    expect(r.headers['x-instances-truncated']).toBe(String(N - 100));
    expect(body.instances).toHaveLength(100);
    const scores = body.instances.map((i) => i.score);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
    // The 100 highest of the shuffled scores are (N-1)/N … (N-99)/N, 0 replaced by the huge box.
    expect(scores[99]).toBeCloseTo((N - 99) / N, 4);
    expect(await metric(app, 'maskops_predict_truncated_total')).toBe(1);
  });

  it('clips a box 2·10⁷ pixels wide to the image', async () => {
    const { instances } = (await post(app, dark)).json<{ instances: Instance[] }>();
    const huge = instances[0];
    expect(huge.score).toBe(0.9999);
    expect(huge.bbox).toEqual([0, 0, W, H]);
  });

  it('names ids through the labels file beside the model, and others by number', async () => {
    const { instances } = (await post(app, dark)).json<{ instances: Instance[] }>();
    const labels = new Set(instances.map((i) => `${i.classId}:${i.label}`));
    expect([...labels].sort()).toEqual(['1:square', '2:circle', '30000000:30000000', '3:triangle']);
    const info = (await app.inject({ method: 'GET', url: '/v1/info' })).json<{
      model: { labelsSource: unknown; classCount: number };
    }>();
    expect(info.model).toMatchObject({
      classCount: 3,
      labelsSource: { kind: 'labels.txt', path: join(root, 'too-much', 'labels.txt') },
    });
  });

  it('draws the overlay with every label', async () => {
    const r = await app.inject({
      method: 'POST',
      url: '/predict?min_score=0&format=png',
      headers: { 'content-type': 'image/png' },
      payload: dark,
    });
    expect(r.statusCode).toBe(200);
    expect(r.headers['content-type']).toBe('image/png');
    expect(r.headers['x-instances-truncated']).toBe(String(N - 100));
  });
});

describe('a labels file beside the model that is wrong', () => {
  it('stops the load with LABELS_INVALID naming the file and line', async () => {
    const dir = join(root, 'bad-labels');
    const modelPath = writeHostileModel(
      dir,
      { boxes: [[0, 0, 4, 4]], labels: [1], scores: [0.5] },
      { 'labels.txt': 'square\ncir\u001bcle\n' },
    );
    await expect(
      createInferenceEngine({ model: testModelConfig({ modelPath, maxImagePixels: 1e6 }) }),
    ).rejects.toMatchObject({
      code: ErrorCode.LABELS_INVALID,
      message: `labels file ${join(dir, 'labels.txt')} line 2: label 2 holds a control character`,
    });
  });
});
