/**
 * The ONNX shapes demo (torchvision contract) served by the real app: painted images
 * posted over HTTP (Fastify inject), decoded by sharp, run by onnxruntime-node in
 * the worker thread and post-processed by the torchvision adapter. The TF.js demo
 * models' per-adapter tests run their graphs; this one runs the whole path, since
 * the graph itself is tested by @maskops/demo-model. Needs `pnpm build` (the worker
 * runs from dist/).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import sharp from 'sharp';
import type { ImageFormat, PaintOptions } from '@maskops/demo-model';
import {
  DEMO_ONNX_VARIANTS,
  encodeShapesImage,
  generateDemoModels,
  maskIou,
  paintShapes,
} from '@maskops/demo-model';
import type { WorkerInferenceEngine } from '../../src/inference/engine';
import type { Prediction } from '../../src/inference/types';
import { decodeRle } from '../helpers/rle-eval';
import { expectShapesFound } from '../inference/shape-match';
import { startRealApp } from '../fixtures/real-app';

const [VARIANT] = Object.keys(DEMO_ONNX_VARIANTS);
const MAX_INPUT_SIDE = 1333;

type Answer = Prediction & { model: Record<string, string> };

let dir: string;
let engine: WorkerInferenceEngine;
let app: FastifyInstance;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'demo-model-'));
  generateDemoModels(dir);
  ({ app, engine } = await startRealApp(
    { modelPath: join(dir, VARIANT), ortIntraOpThreads: 1 },
    { maxInputSide: MAX_INPUT_SIDE },
  ));
}, 60_000);
afterAll(async () => {
  await app?.close();
  await engine?.close();
  rmSync(dir, { recursive: true, force: true });
});

async function post(image: Uint8Array, format: ImageFormat, query = ''): Promise<Answer> {
  const r = await app.inject({
    method: 'POST',
    url: `/predict${query}`,
    headers: { 'content-type': `image/${format}` },
    payload: Buffer.from(image),
  });
  expect(r.statusCode).toBe(200);
  return r.json<Answer>();
}

describe('torchvision demo model through the app', () => {
  it('is served by ONNX Runtime with the torchvision adapter', async () => {
    const r = await app.inject({ method: 'GET', url: '/v1/info' });
    expect(r.json<{ model: Record<string, unknown> }>().model).toMatchObject({
      adapter: DEMO_ONNX_VARIANTS[VARIANT as keyof typeof DEMO_ONNX_VARIANTS],
      format: 'onnx',
      runtime: 'onnxruntime',
      backend: 'cpu',
      threads: 1,
      workers: 1,
    });
  });

  // Sizes below, at and above MAX_INPUT_SIDE (the last is fed shrunk and scaled back).
  const cases: (PaintOptions & { format: ImageFormat; tolerance: number })[] = [
    { width: 1024, height: 768, seed: 1, count: 8, format: 'png', tolerance: 1 },
    { width: 300, height: 500, seed: 2, count: 5, format: 'jpeg', tolerance: 1 },
    { width: 640, height: 480, seed: 3, format: 'png', tolerance: 1 },
    { width: 1600, height: 1200, seed: 4, count: 8, format: 'jpeg', tolerance: 4 },
  ];
  it.each(cases)(
    'finds one instance per painted shape, right class, IoU ≥ 0.9 in a $width×$height $format',
    async ({ format, tolerance, ...options }) => {
      const painted = paintShapes(options);
      const body = await post(await encodeShapesImage(painted, format), format);
      expect(body.model).toMatchObject({ adapter: 'torchvision', runtime: 'onnxruntime' });
      expect(body.image).toEqual({ width: painted.width, height: painted.height });
      for (const instance of body.instances) {
        expect(instance.score).toBeCloseTo(0.99, 5);
        expect(instance.mask.size).toEqual([painted.height, painted.width]);
      }
      expectShapesFound(painted.shapes, body.instances, tolerance);
    },
  );

  it('answers no instances for an image without palette colours, and above the score', async () => {
    const grey = await sharp({
      create: { width: 320, height: 240, channels: 3, background: { r: 90, g: 90, b: 90 } },
    })
      .png()
      .toBuffer();
    expect((await post(grey, 'png')).instances).toEqual([]);
    const painted = paintShapes({ width: 320, height: 240, seed: 5, count: 3 });
    const png = await encodeShapesImage(painted, 'png');
    expect((await post(png, 'png', '?min_score=0.995')).instances).toEqual([]);
    expect((await post(png, 'png', '?min_score=0.5')).instances).toHaveLength(3);
  });

  it('pastes squares touching the image corners back exactly', async () => {
    const [W, H] = [160, 120];
    const rgb = new Uint8Array(W * H * 3);
    for (let p = 0; p < W * H; p++) rgb.set([20, 20, 20], p * 3);
    const masks = [new Uint8Array(W * H), new Uint8Array(W * H)];
    const paint = (m: number, colour: readonly number[], x0: number, y0: number, size: number) => {
      for (let y = y0; y < y0 + size; y++) {
        for (let x = x0; x < x0 + size; x++) {
          rgb.set(colour, (y * W + x) * 3);
          masks[m][y * W + x] = 1;
        }
      }
    };
    paint(0, [0, 130, 200], 0, 0, 50); // blue, top-left corner
    paint(1, [255, 225, 25], W - 45, H - 45, 45); // yellow, bottom-right corner
    const png = await sharp(rgb, { raw: { width: W, height: H, channels: 3 } })
      .png()
      .toBuffer();
    const { instances } = await post(png, 'png');
    expect(instances.map((i) => [i.classId, i.bbox])).toEqual([
      [1, [0, 0, 50, 50]],
      [1, [W - 45, H - 45, 45, 45]],
    ]);
    instances.forEach((instance, k) => expect(maskIou(masks[k], decodeRle(instance.mask))).toBe(1));
  });
});
