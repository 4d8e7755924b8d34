import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { Adapter } from '../../src/adapters/adapter';
import { createTfOdApiAdapter } from '../../src/adapters/tf-od-api';
import { paintShapes } from '@maskops/demo-model';
import { ErrorCode } from '../../src/errors';
import { selectBackend } from '../../src/model/backend';
import type { LoadedModel } from '../../src/model/load-model';
import { loadModel, tfjsModel } from '../../src/model/load-model';
import type { RunnableModel } from '../../src/model/runnable-model';
import { expectShapesFound } from '../inference/shape-match';

const MODEL = join(__dirname, '..', '..', 'models', 'shapes-tf-od-api');

describe('tf-od-api adapter on the demo shapes model', () => {
  let loaded: LoadedModel;
  let adapter: Adapter;

  beforeAll(async () => {
    const backend = await selectBackend('wasm');
    loaded = await loadModel({ modelPath: MODEL, backend });
    adapter = createTfOdApiAdapter(tfjsModel(loaded), loaded.info.labels);
  });
  afterAll(() => loaded?.model.dispose());

  it.each([
    [1, 320, 240],
    [7, 200, 300],
    [42, 512, 384],
    [99, 97, 121],
  ])('finds every painted shape (seed %i, %i×%i)', async (seed, width, height) => {
    const painted = paintShapes({ width, height, seed });
    const { instances, timings } = await adapter.predict(painted, {
      minScore: 0.5,
      maxInstances: 100,
    });
    expectShapesFound(painted.shapes, instances);
    for (const instance of instances) {
      expect(instance.mask.size).toEqual([height, width]);
      expect(instance.score).toBeGreaterThanOrEqual(0.5);
    }
    expect(Object.keys(timings).sort()).toEqual(['inferMs', 'postprocessMs', 'preprocessMs']);
  });

  it('drops instances below min_score and returns them sorted by score', async () => {
    const painted = paintShapes({ width: 256, height: 256, seed: 5, count: 3 });
    const all = await adapter.predict(painted, { minScore: 0, maxInstances: 100 });
    const scores = all.instances.map((i) => i.score);
    expect(scores).toEqual([...scores].sort((a, b) => b - a));
    const top = Math.max(...scores);
    const none = await adapter.predict(painted, {
      minScore: Math.min(1, top + 1e-3),
      maxInstances: 100,
    });
    expect(none.instances).toEqual([]);
  });

  it('finds nothing on an empty image', async () => {
    const rgb = new Uint8Array(64 * 48 * 3).fill(90);
    const { instances } = await adapter.predict(
      { rgb, width: 64, height: 48 },
      { minScore: 0.5, maxInstances: 100 },
    );
    expect(instances).toEqual([]);
  });

  it('disposes every tensor it creates', async () => {
    const painted = paintShapes({ width: 160, height: 120, seed: 11, count: 2 });
    await adapter.predict(painted, { minScore: 0.5, maxInstances: 100 });
    const before = tf.memory().numTensors;
    for (let i = 0; i < 5; i++)
      await adapter.predict(painted, { minScore: 0.5, maxInstances: 100 });
    expect(tf.memory().numTensors).toBe(before);
  });

  it('refuses a model without the tf-od-api tensors, naming what it found', () => {
    const model: RunnableModel = {
      ...tfjsModel(loaded),
      outputs: loaded.model.outputs.filter((o) => o.name !== 'detection_masks'),
    };
    expect(() => createTfOdApiAdapter(model, loaded.info.labels)).toThrow(
      expect.objectContaining({
        code: ErrorCode.MODEL_INVALID,
        message: expect.stringMatching(/missing detection_masks.*outputs found: .*detection_boxes/),
      }),
    );
  });
});
