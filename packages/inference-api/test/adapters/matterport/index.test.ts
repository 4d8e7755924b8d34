import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { Adapter } from '../../../src/adapters/adapter';
import { createMatterportAdapter } from '../../../src/adapters/matterport';
import { paintShapes } from '@maskops/demo-model';
import { ErrorCode } from '../../../src/errors';
import { selectBackend } from '../../../src/model/backend';
import type { LoadedModel } from '../../../src/model/load-model';
import { loadModel, tfjsModel } from '../../../src/model/load-model';
import { expectShapesFound } from '../../inference/shape-match';

const MODEL = join(__dirname, '..', '..', '..', 'models', 'shapes-matterport');

// The molded input is always 1024×1024 (IMAGE_RESIZE_MODE square), so each
// prediction costs about a second on wasm: few, varied images.
describe('matterport adapter on the demo shapes model', () => {
  let loaded: LoadedModel;
  let adapter: Adapter;

  beforeAll(async () => {
    const backend = await selectBackend('wasm');
    loaded = await loadModel({ modelPath: MODEL, backend });
    adapter = createMatterportAdapter(
      tfjsModel(loaded),
      loaded.info.labels,
      loaded.matterportConfig,
    );
  });
  afterAll(() => loaded?.model.dispose());

  it.each([
    // landscape, downscaled to 1024 wide and padded top/bottom
    [3, 1280, 720],
    // portrait, upscaled (short side to IMAGE_MIN_DIM 800, long side capped at 1024)
    [8, 300, 400],
  ])('finds every painted shape (seed %i, %i×%i)', async (seed, width, height) => {
    const painted = paintShapes({ width, height, seed });
    const before = tf.memory().numTensors;
    const { instances } = await adapter.predict(painted, { minScore: 0.5, maxInstances: 100 });
    expect(tf.memory().numTensors).toBe(before);
    expectShapesFound(painted.shapes, instances);
    for (const instance of instances) expect(instance.mask.size).toEqual([height, width]);
  });

  it('reads matterport-config.json beside the model', () => {
    expect(loaded.matterportConfig).toMatchObject({ NUM_CLASSES: 4 });
    expect([1, 2, 3].map((id) => loaded.info.labels.get(id))).toEqual([
      'square',
      'circle',
      'triangle',
    ]);
  });

  it('refuses a config the model cannot have been built with', () => {
    expect(() =>
      createMatterportAdapter(tfjsModel(loaded), loaded.info.labels, { IMAGE_RESIZE_MODE: 'crop' }),
    ).toThrow(expect.objectContaining({ code: ErrorCode.MODEL_INVALID }));
  });
});
