import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { WorkerInferenceEngine } from '../../../src/inference/engine';
import type { Prediction, RleMask } from '../../../src/inference/types';
import { maskIou } from '../../helpers/rle-eval';
import { startRealApp } from '../../fixtures/real-app';

/*
 * A real torchvision Mask R-CNN graph (exported by torchvision's own code, random
 * weights) served through the real app, worker thread and onnxruntime-node, compared
 * with what ONNX Runtime's Python API returned for the same PNGs (reference.json).
 * Needs `pnpm build` (the worker runs from dist/).
 */
const DIR = join(__dirname, '..', '..', 'fixtures', 'torchvision-maskrcnn-small');

interface Reference {
  cases: {
    image: string;
    width: number;
    height: number;
    instances: { label: number; score: number; box_xyxy: number[]; mask: RleMask }[];
  }[];
}

type Answer = Prediction & {
  model: { name: string; adapter: string; runtime: string; backend: string };
};

let engine: WorkerInferenceEngine;
let app: FastifyInstance;
let reference: Reference;

beforeAll(async () => {
  reference = JSON.parse(await readFile(join(DIR, 'reference.json'), 'utf8')) as Reference;
  ({ app, engine } = await startRealApp({
    modelPath: join(DIR, 'model.onnx'),
    ortIntraOpThreads: 1,
  }));
}, 60_000);
afterAll(async () => {
  await app?.close();
  await engine?.close();
});

describe('torchvision adapter on the small Mask R-CNN fixture', () => {
  it('loads it on ONNX Runtime and says so in /v1/info', async () => {
    const r = await app.inject({ method: 'GET', url: '/v1/info' });
    const model = r.json<{ model: Record<string, unknown> }>().model;
    expect(model).toMatchObject({
      adapter: 'torchvision',
      format: 'onnx',
      runtime: 'onnxruntime',
      backend: 'cpu',
      threads: 1,
      workers: 1,
      classCount: 3,
      // Found beside model.onnx, no MODEL_LABELS needed.
      labels: { 0: 'background', 1: 'square', 2: 'circle', 3: 'triangle' },
      labelsSource: { kind: 'labels.txt', path: join(DIR, 'labels.txt') },
    });
  });

  it.each([0, 1, 2, 3])(
    'answers reference case %i with the same instances (min_score=0)',
    async (index) => {
      const ref = reference.cases[index];
      const png = await readFile(join(DIR, ref.image));
      const r = await app.inject({
        method: 'POST',
        url: '/predict?min_score=0',
        headers: { 'content-type': 'image/png' },
        payload: png,
      });
      expect(r.statusCode).toBe(200);
      const body = r.json<Answer>();
      expect(body.model).toEqual({
        name: engine.info.name,
        adapter: 'torchvision',
        runtime: 'onnxruntime',
        backend: 'cpu',
      });
      expect(body.image).toEqual({ width: ref.width, height: ref.height });
      expect(body.instances.map((i) => i.classId)).toEqual(ref.instances.map((i) => i.label));
      body.instances.forEach((got, i) => {
        const want = ref.instances[i];
        expect(Math.abs(got.score - want.score)).toBeLessThanOrEqual(1e-4);
        const [x1, y1, x2, y2] = want.box_xyxy as [number, number, number, number];
        const [x, y, w, h] = got.bbox;
        const worst = Math.max(
          Math.abs(x - x1),
          Math.abs(y - y1),
          Math.abs(x + w - x2),
          Math.abs(y + h - y2),
        );
        expect(worst).toBeLessThanOrEqual(0.01);
        expect(got.mask.size).toEqual(want.mask.size);
        const iou = maskIou(got.mask, want.mask);
        // Two empty masks agree perfectly; maskIou says 0 for them.
        if (want.mask.counts !== got.mask.counts) expect(iou).toBeGreaterThanOrEqual(0.99);
        expect(got.label).toBe(engine.info.labels.get(want.label));
      });
      expect(body.instances).toHaveLength(ref.instances.length);
    },
  );

  it('holds no ONNX Runtime outputs between requests', async () => {
    await expect(engine.numTensors()).resolves.toBe(0);
  });
});
