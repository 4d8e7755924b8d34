import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createMemoryLogger } from '@maskops/shared';
import sharp from 'sharp';
import { encodeShapesImage, paintShapes } from '@maskops/demo-model';
import { ModelHost } from '../../src/inference/model-host';
import * as tf from '@tensorflow/tfjs';
import type { Backend } from '../../src/inference/types';
import { testModelConfig } from '../fixtures/test-config';
import { probed } from '../fixtures/probed';

/*
 * Which side each model is fed, in-process (the worker runs the same ModelHost):
 * MAX_INPUT_SIDE, overridden by maskops.json, and Matterport's IMAGE_MAX_DIM.
 */
jest.setTimeout(60_000);

const MODELS = join(__dirname, '..', '..', 'models');

async function start(modelPath: string, maxInputSide?: number, tfjsBackend: Backend = 'cpu') {
  const logger = createMemoryLogger();
  const host = await ModelHost.start(
    testModelConfig({
      modelPath,
      tfjsBackend,
      maxOverlaySide: 100,
      ...(maxInputSide === undefined ? {} : { maxInputSide }),
    }),
    logger,
  );
  const warmed = logger.lines.find((l) => l.message === 'model warmed up');
  return { host, side: warmed?.['maxInputSide'], warmupSide: warmed?.['warmupSide'] };
}

describe('ModelHost input side', () => {
  it('uses MAX_INPUT_SIDE for tf-od-api, or the model’s maskops.json maxInputSide', async () => {
    const plain = await start(join(MODELS, 'shapes-tf-od-api'), 500);
    expect(plain.side).toBe(500);
    plain.host.dispose();

    const dir = mkdtempSync(join(tmpdir(), 'maskops-side-'));
    cpSync(join(MODELS, 'shapes-tf-od-api'), dir, { recursive: true });
    const manifest = JSON.parse(readFileSync(join(dir, 'maskops.json'), 'utf8')) as object;
    writeFileSync(join(dir, 'maskops.json'), JSON.stringify({ ...manifest, maxInputSide: 320 }));
    const overridden = await start(dir, 500);
    expect(overridden.side).toBe(320);

    // Answers stay in original pixels; the overlay is capped (maxOverlaySide 100 here).
    const painted = paintShapes({ width: 800, height: 400, seed: 3, count: 2 });
    const png = await encodeShapesImage(painted, 'png');
    const p = await overridden.host.predict(
      png,
      await probed(png, { minScore: 0.5, overlay: true }),
    );
    expect(p.image).toEqual({ width: 800, height: 400 });
    expect(p.instances.map((i) => i.mask.size)).toEqual([
      [400, 800],
      [400, 800],
    ]);
    expect(p.overlayScale).toBe(0.125);
    const meta = await sharp(Buffer.from(p.overlayPng!)).metadata();
    expect([meta.width, meta.height]).toEqual([100, 50]);
    overridden.host.dispose();
  });

  it('uses IMAGE_MAX_DIM for matterport', async () => {
    const { host, side } = await start(join(MODELS, 'shapes-matterport'), 500);
    expect(side).toBe(1024);
    host.dispose();
  });

  it('on wasm warms up at the working side, so no upload grows the heap that never shrinks', async () => {
    const { host, warmupSide } = await start(join(MODELS, 'shapes-tf-od-api'), 600, 'wasm');
    expect(warmupSide).toBe(600);
    const heap = (): number =>
      (tf.backend() as unknown as { wasm: { HEAPU8: Uint8Array } }).wasm.HEAPU8.byteLength;
    const warmed = heap();
    for (const [width, height] of [
      [2400, 2400],
      [1800, 2400],
      [600, 450],
    ] as const) {
      const painted = paintShapes({ width, height, seed: width + height, count: 6 });
      const png = await encodeShapesImage(painted, 'png');
      const p = await host.predict(png, await probed(png, { minScore: 0.5 }));
      expect(p.instances).toHaveLength(6);
      expect(heap()).toBe(warmed);
    }
    host.dispose();
  });
});
