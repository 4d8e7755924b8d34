import { join } from 'node:path';
import sharp from 'sharp';
import type { PaintedShape } from '@maskops/demo-model';
import { encodeShapesImage, paintShapes } from '@maskops/demo-model';
import { ErrorCode } from '../../src/errors';
import type { WorkerInferenceEngine } from '../../src/inference/engine';
import { createInferenceEngine } from '../../src/inference/engine';
import { expectShapesFound, rotateMaskCw } from './shape-match';
import { pngHeaderOnly } from '../fixtures/images';
import { memoryPino } from '../fixtures/memory-pino';
import { testModelConfig } from '../fixtures/test-config';
import { probed } from '../fixtures/probed';

// The engine runs dist/inference/worker.js: `pnpm build` before these tests.
const MODELS = join(__dirname, '..', '..', 'models');
const MAX_PIXELS = 40_000_000;

function bboxOf(mask: Uint8Array, width: number): [number, number, number, number] {
  let x0 = Infinity,
    y0 = Infinity,
    x1 = -1,
    y1 = -1;
  mask.forEach((v, i) => {
    if (!v) return;
    const x = i % width;
    const y = (i - x) / width;
    x0 = Math.min(x0, x);
    y0 = Math.min(y0, y);
    x1 = Math.max(x1, x);
    y1 = Math.max(y1, y);
  });
  return [x0, y0, x1 - x0 + 1, y1 - y0 + 1];
}

describe('inference engine with the tf-od-api demo model', () => {
  let engine: WorkerInferenceEngine;
  const { logger, lines } = memoryPino();

  beforeAll(async () => {
    engine = await createInferenceEngine({
      model: testModelConfig({
        modelPath: join(MODELS, 'shapes-tf-od-api'),
        maxImagePixels: MAX_PIXELS,
      }),
      logger,
    });
  });
  afterAll(() => engine?.close());

  it('starts loaded and warmed, and reports what runs', () => {
    expect(engine.info).toMatchObject({
      name: 'maskops-shapes-demo-tf-od-api',
      adapter: 'tf-od-api',
      format: 'tfjs-graph-model',
      classCount: 3,
      demo: true,
    });
    expect(['tensorflow', 'wasm', 'cpu']).toContain(engine.info.backend);
    expect(engine.loadMs).toBeGreaterThan(0);
    expect(engine.warmupMs).toBeGreaterThan(0);
    expect(engine.healthy).toBe(true);
    // Worker log lines arrive as objects and are written by the caller's pino logger.
    expect(lines.map((l) => l['message'])).toEqual(
      expect.arrayContaining([
        `TF.js backend: ${engine.info.backend}`,
        'model loaded',
        'model warmed up',
      ]),
    );
    expect(lines).toContainEqual(
      expect.objectContaining({ severity: 'INFO', message: 'model loaded', adapter: 'tf-od-api' }),
    );
  });

  it.each([
    [2, 640, 480, 'jpeg'],
    [17, 300, 500, 'png'],
    [23, 1024, 768, 'jpeg'],
    [31, 257, 199, 'png'],
  ] as const)('finds every shape (seed %i, %i×%i %s)', async (seed, width, height, format) => {
    const painted = paintShapes({ width, height, seed });
    const bytes = await encodeShapesImage(painted, format);
    const prediction = await engine.predict(bytes, await probed(bytes, { minScore: 0.5 }));
    expect(prediction.image).toEqual({ width, height });
    expectShapesFound(painted.shapes, prediction.instances);
    for (const value of Object.values(prediction.timings)) expect(value).toBeGreaterThanOrEqual(0);
    expect(Object.keys(prediction.timings).sort()).toEqual([
      'decodeMs',
      'inferMs',
      'postprocessMs',
      'preprocessMs',
    ]);
    expect(prediction.overlayPng).toBeUndefined();
  });

  it('answers in the coordinates of the EXIF-rotated image', async () => {
    const painted = paintShapes({ width: 400, height: 300, seed: 4 });
    const bytes = await sharp(Buffer.from(painted.rgb), {
      raw: { width: 400, height: 300, channels: 3 },
    })
      .jpeg({ quality: 95, chromaSubsampling: '4:4:4' })
      .withMetadata({ orientation: 6 })
      .toBuffer();
    const upright: PaintedShape[] = painted.shapes.map((shape) => {
      const mask = rotateMaskCw(shape.mask, 400, 300);
      return { ...shape, mask, bbox: bboxOf(mask, 300) };
    });
    const prediction = await engine.predict(bytes, await probed(bytes, { minScore: 0.5 }));
    expect(prediction.image).toEqual({ width: 300, height: 400 });
    expectShapesFound(upright, prediction.instances);
  });

  it('returns the overlay PNG when asked', async () => {
    const painted = paintShapes({ width: 320, height: 200, seed: 9, count: 3 });
    const png = await encodeShapesImage(painted, 'png');
    const prediction = await engine.predict(
      png,
      await probed(png, { minScore: 0.5, overlay: true }),
    );
    expect(prediction.overlayPng).toBeInstanceOf(Uint8Array);
    const meta = await sharp(prediction.overlayPng).metadata();
    expect([meta.format, meta.width, meta.height]).toEqual(['png', 320, 200]);
  });

  it('decodes with the probe it is handed, and refuses bytes that disagree with it', async () => {
    const painted = paintShapes({ width: 320, height: 200, seed: 9, count: 3 });
    const png = await encodeShapesImage(painted, 'png');
    const probe = { format: 'png', width: 320, height: 200 };
    const prediction = await engine.predict(png, { minScore: 0.5, probe });
    expect(prediction.image).toEqual({ width: 320, height: 200 });
    expectShapesFound(painted.shapes, prediction.instances);
    // A probe that understates the image: libvips refuses more pixels than it states.
    await expect(
      engine.predict(png, { minScore: 0.5, probe: { ...probe, width: 32, height: 20 } }),
    ).rejects.toMatchObject({ code: ErrorCode.IMAGE_UNDECODABLE });
    await expect(
      engine.predict(png, { minScore: 0.5, probe: { ...probe, format: 'jpeg' } }),
    ).rejects.toMatchObject({ code: ErrorCode.IMAGE_UNDECODABLE });
    await expect(
      engine.predict(png, { minScore: 0.5, probe: { ...probe, width: 320_000, height: 200_000 } }),
    ).rejects.toMatchObject({ code: ErrorCode.IMAGE_TOO_MANY_PIXELS });
  });

  it('runs concurrent callers one at a time, each getting its own answer', async () => {
    const images = [3, 5, 6, 12].map((seed) =>
      paintShapes({ width: 240, height: 180, seed, count: 2 }),
    );
    const encoded = await Promise.all(images.map((p) => encodeShapesImage(p, 'png')));
    const predictions = await Promise.all(
      encoded.map(async (bytes) => engine.predict(bytes, await probed(bytes, { minScore: 0.5 }))),
    );
    predictions.forEach((p, i) => expectShapesFound(images[i].shapes, p.instances));
  });

  it('leaks no tensors over 50 predictions', async () => {
    const start = await engine.numTensors();
    const painted = paintShapes({ width: 160, height: 120, seed: 21, count: 2 });
    const png = await encodeShapesImage(painted, 'png');
    for (let i = 0; i < 50; i++) {
      const bytes = Buffer.from(png);
      const { instances } = await engine.predict(bytes, await probed(bytes, { minScore: 0.5 }));
      expect(instances).toHaveLength(2);
    }
    expect(await engine.numTensors()).toBe(start);
  });

  it('moves an image that owns its buffer to the worker and copies one that does not', async () => {
    const png = await encodeShapesImage(
      paintShapes({ width: 64, height: 64, seed: 1, count: 1 }),
      'png',
    );
    const owned = new Uint8Array(png.length);
    owned.set(png);
    await engine.predict(owned, await probed(owned, { minScore: 0.5 }));
    expect(owned.byteLength).toBe(0); // transferred: detached here

    const shared = new Uint8Array(png.length + 16);
    shared.set(png, 8);
    const view = shared.subarray(8, 8 + png.length);
    await engine.predict(view, await probed(view, { minScore: 0.5 }));
    expect(view.byteLength).toBe(png.length); // copied: still usable
  });

  // The route probes every upload before the queue (probe.test.ts covers what that
  // refuses); the worker holds the bytes against the probe it is handed.
  const claimedPng = { format: 'png', width: 40, height: 30 };
  it.each([
    ['text handed on as a PNG', () => Buffer.from('definitely not an image'), claimedPng],
    [
      'a GIF handed on as a PNG',
      () =>
        sharp({ create: { width: 4, height: 4, channels: 3, background: '#fff' } })
          .gif()
          .toBuffer(),
      claimedPng,
    ],
    [
      'a truncated JPEG (its header intact)',
      async () => {
        const jpeg = await encodeShapesImage(
          paintShapes({ width: 200, height: 200, seed: 2 }),
          'jpeg',
        );
        return jpeg.subarray(0, Math.floor(jpeg.length / 2));
      },
      undefined,
    ],
  ])('rejects %s with IMAGE_UNDECODABLE and stays healthy', async (_name, make, claimed) => {
    const bytes = await make();
    const options = claimed
      ? { minScore: 0.5, probe: claimed }
      : await probed(bytes, { minScore: 0.5 });
    await expect(engine.predict(bytes, options)).rejects.toMatchObject({
      code: ErrorCode.IMAGE_UNDECODABLE,
    });
    expect(engine.healthy).toBe(true);
  });

  it('rejects a 100000×100000 PNG header handed on as probed with IMAGE_TOO_MANY_PIXELS', async () => {
    const probe = { format: 'png', width: 100_000, height: 100_000 };
    await expect(
      engine.predict(pngHeaderOnly(100_000, 100_000), { minScore: 0.5, probe }),
    ).rejects.toMatchObject({ code: ErrorCode.IMAGE_TOO_MANY_PIXELS });
    expect(engine.healthy).toBe(true);
  });
});

describe('inference engine with the matterport demo model', () => {
  let engine: WorkerInferenceEngine;

  beforeAll(async () => {
    engine = await createInferenceEngine({
      model: testModelConfig({
        modelPath: join(MODELS, 'shapes-matterport', 'model.json'),
        maxImagePixels: MAX_PIXELS,
      }),
    });
  });
  afterAll(() => engine?.close());

  it('detects the matterport adapter', () => {
    expect(engine.info).toMatchObject({ adapter: 'matterport', demo: true, classCount: 3 });
  });

  it.each([
    [13, 800, 600, 'jpeg'],
    [27, 450, 640, 'png'],
  ] as const)('finds every shape (seed %i, %i×%i %s)', async (seed, width, height, format) => {
    const painted = paintShapes({ width, height, seed });
    const start = await engine.numTensors();
    const bytes = await encodeShapesImage(painted, format);
    const prediction = await engine.predict(bytes, await probed(bytes, { minScore: 0.5 }));
    expectShapesFound(painted.shapes, prediction.instances);
    expect(await engine.numTensors()).toBe(start);
  });
});
