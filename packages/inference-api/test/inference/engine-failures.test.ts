import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ErrorCode, InferenceApiError } from '../../src/errors';
import { createInferenceEngine } from '../../src/inference/engine';
import { testModelConfig } from '../fixtures/test-config';

const SCRIPTED = join(__dirname, 'fixtures', 'scripted-worker.mjs');
const image = (first: number) => Uint8Array.from([first, 0, 0, 0]);
// The scripted worker reads only the first byte; the probe is handed on unread.
const options = { minScore: 0.5, probe: { format: 'png', width: 1, height: 1 } };

/** A started engine on the scripted worker, with every onFatal report collected. */
async function scriptedEngine() {
  const fatal: InferenceApiError[] = [];
  const engine = await createInferenceEngine({
    model: testModelConfig({ modelPath: 'ok', maxImagePixels: 1 }),
    workerFile: SCRIPTED,
    onFatal: (err) => fatal.push(err),
  });
  return { engine, fatal };
}

describe('inference engine start-up failures (real worker)', () => {
  it('rejects with MODEL_NOT_FOUND when MODEL_PATH does not exist', async () => {
    await expect(
      createInferenceEngine({
        model: testModelConfig({ modelPath: '/nonexistent/model', maxImagePixels: 1000 }),
      }),
    ).rejects.toMatchObject({
      code: ErrorCode.MODEL_NOT_FOUND,
      message: 'MODEL_PATH /nonexistent/model does not exist',
    });
  });

  it('rejects with MODEL_INVALID for a model.json that is not JSON', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'maskops-engine-'));
    writeFileSync(join(dir, 'model.json'), 'garbage');
    const started = createInferenceEngine({
      model: testModelConfig({ modelPath: dir, maxImagePixels: 1000 }),
    });
    await expect(started).rejects.toBeInstanceOf(InferenceApiError);
    await expect(started).rejects.toMatchObject({ code: ErrorCode.MODEL_INVALID });
  });
});

describe('inference engine error mapping and worker death (scripted worker)', () => {
  it('passes the worker start-up error through', async () => {
    await expect(
      createInferenceEngine({
        model: testModelConfig({ modelPath: 'fail-start', maxImagePixels: 1 }),
        workerFile: SCRIPTED,
      }),
    ).rejects.toMatchObject({ code: ErrorCode.MODEL_INVALID, message: 'no such model here' });
  });

  it('keeps image error codes and hides internal errors behind INFERENCE_FAILED', async () => {
    const { engine } = await scriptedEngine();
    try {
      await expect(engine.predict(image(2), options)).rejects.toMatchObject({
        code: ErrorCode.IMAGE_UNDECODABLE,
        message: 'the png image cannot be decoded',
      });
      const internal = engine.predict(image(1), options);
      await expect(internal).rejects.toMatchObject({
        code: ErrorCode.INFERENCE_FAILED,
        message: 'inference failed',
      });
      const cause = ((await internal.catch((e: unknown) => e)) as Error).cause as Error;
      expect([cause.name, cause.message]).toEqual(['TypeError', 'secret internals at /srv/model']);
      // Errors for one request leave the engine serving.
      expect(engine.healthy).toBe(true);
      await expect(engine.predict(image(0), options)).resolves.toMatchObject({
        instances: [],
      });
    } finally {
      await engine.close();
    }
  });

  it('reports a dead worker once, fails the pending and every later call', async () => {
    const { engine, fatal } = await scriptedEngine();
    try {
      await expect(engine.predict(image(3), options)).rejects.toMatchObject({
        code: ErrorCode.INFERENCE_FAILED,
        message: 'the inference worker exited (code 3)',
      });
      expect(engine.healthy).toBe(false);
      expect(fatal.map((e) => e.code)).toEqual([ErrorCode.INFERENCE_FAILED]);
      await expect(engine.predict(image(0), options)).rejects.toMatchObject({
        code: ErrorCode.INFERENCE_FAILED,
      });
      await expect(engine.numTensors()).rejects.toMatchObject({ code: ErrorCode.INFERENCE_FAILED });
      expect(fatal).toHaveLength(1);
    } finally {
      await engine.close();
    }
  });

  it('refuses work after close() with NOT_READY and does not report it as a death', async () => {
    const { engine, fatal } = await scriptedEngine();
    await engine.close();
    expect(engine.healthy).toBe(false);
    await expect(engine.predict(image(0), options)).rejects.toMatchObject({
      code: ErrorCode.NOT_READY,
    });
    expect(fatal).toEqual([]);
  });
});
