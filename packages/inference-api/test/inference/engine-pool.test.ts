import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { WorkerInferenceEngine } from '../../src/inference/engine';
import { createEnginePool } from '../../src/inference/engine-pool';
import { testModelConfig } from '../fixtures/test-config';
import { probed } from '../fixtures/probed';

/*
 * INFERENCE_WORKERS=2 on the small torchvision fixture: two real worker threads,
 * each with its own ONNX Runtime session. Needs `pnpm build`.
 */
const DIR = join(__dirname, '..', 'fixtures', 'torchvision-maskrcnn-small');
let engine: WorkerInferenceEngine;

beforeAll(async () => {
  engine = await createEnginePool({ model: testModelConfig({ modelPath: DIR }) }, 2);
}, 60_000);
afterAll(() => engine?.close());

describe('engine pool', () => {
  it('reports its workers and runs two images at once with the same answers as one at a time', async () => {
    expect(engine.info).toMatchObject({ runtime: 'onnxruntime', workers: 2, threads: 1 });
    const png = await readFile(join(DIR, 'image-104-97x61.png'));
    const options = await probed(png, { minScore: 0 });
    const alone = await engine.predict(new Uint8Array(png), options);
    const both = await Promise.all([
      engine.predict(new Uint8Array(png), options),
      engine.predict(new Uint8Array(png), options),
    ]);
    for (const answer of both) expect(answer.instances).toEqual(alone.instances);
    await expect(engine.numTensors()).resolves.toBe(0);
  });

  it('scales boxes and masks back to original pixels when MAX_INPUT_SIDE shrinks the input', async () => {
    const small = await createEnginePool(
      { model: testModelConfig({ modelPath: DIR, maxInputSide: 512 }) },
      1,
    );
    try {
      const png = await readFile(join(DIR, 'image-103-1024x768.png'));
      const options = await probed(png, { minScore: 0 });
      const full = await engine.predict(new Uint8Array(png), options);
      const scaled = await small.predict(new Uint8Array(png), options);
      expect(scaled.image).toEqual({ width: 1024, height: 768 });
      // The graph resizes both to the same internal size, so the best instance matches.
      const [a, b] = [full.instances[0], scaled.instances[0]];
      expect(b.mask.size).toEqual([768, 1024]);
      expect(b.classId).toBe(a.classId);
      b.bbox.forEach((v, i) => expect(Math.abs(v - a.bbox[i])).toBeLessThan(6));
    } finally {
      await small.close();
    }
  }, 60_000);
});
