import { readConfig } from '../../src/config';
import { containerCpus } from '../../src/runtime/cpu-quota';
import { refusesEach } from '../helpers/config-refusal';

describe('model settings (config/model.ts)', () => {
  refusesEach([
    ['DEFAULT_MIN_SCORE', '1.5'],
    ['MODEL_ADAPTER', 'detectron'],
    ['TFJS_BACKEND', 'webgl'],
    ['MODEL_REQUIRE_GENERATION', 'maybe'],
    ['ORT_INTRA_OP_THREADS', '0'],
    ['INFERENCE_WORKERS', '0'],
    ['INFERENCE_WORKERS', 'two'],
  ]);

  it('MODEL_REQUIRE_GENERATION: a gs:// MODEL_PATH must pin a manifest generation', () => {
    const pinned = 'gs://models/m/shapes/maskops-model.json#1712345678901234';
    expect(readConfig({ MODEL_REQUIRE_GENERATION: 'true', MODEL_PATH: pinned }).modelPath).toBe(
      pinned,
    );
    // Models baked into the image are not what the setting guards.
    expect(
      readConfig({ MODEL_REQUIRE_GENERATION: 'true', MODEL_PATH: '/m/model.json' }),
    ).toMatchObject({
      modelPath: '/m/model.json',
    });
    expect(readConfig({ MODEL_PATH: 'gs://models/m/shapes' }).modelPath).toBe(
      'gs://models/m/shapes',
    );
    for (const path of [
      'gs://models/m/shapes',
      'gs://models/m/shapes/maskops-model.json',
      'gs://models/m/shapes/model.json#17',
    ]) {
      expect(() => readConfig({ MODEL_REQUIRE_GENERATION: 'true', MODEL_PATH: path })).toThrow(
        `MODEL_PATH: must pin a published model (gs://BUCKET/PREFIX/NAME/maskops-model.json#GENERATION) while MODEL_REQUIRE_GENERATION is true, got ${path}`,
      );
    }
    expect(() => readConfig({ MODEL_REQUIRE_GENERATION: 'maybe' })).toThrow(
      /MODEL_REQUIRE_GENERATION: must be true or false/,
    );
  });

  describe('ONNX Runtime settings', () => {
    it('shares the container CPUs among the workers when ORT_INTRA_OP_THREADS is unset', () => {
      const cpus = containerCpus();
      expect(readConfig({})).toMatchObject({ inferenceWorkers: 1, ortIntraOpThreads: cpus });
      for (const workers of [2, 3, 64]) {
        expect(readConfig({ INFERENCE_WORKERS: String(workers) }).ortIntraOpThreads).toBe(
          Math.max(1, Math.floor(cpus / workers)),
        );
      }
      expect(readConfig({ INFERENCE_WORKERS: '64' }).ortIntraOpThreads).toBe(1);
      expect(
        readConfig({ INFERENCE_WORKERS: '2', ORT_INTRA_OP_THREADS: '4' }).ortIntraOpThreads,
      ).toBe(4);
    });

    it('reads ORT_INTRA_OP_THREADS and INFERENCE_WORKERS, refusing values below 1', () => {
      expect(readConfig({ ORT_INTRA_OP_THREADS: '3', INFERENCE_WORKERS: '2' })).toMatchObject({
        ortIntraOpThreads: 3,
        inferenceWorkers: 2,
      });
      expect(() => readConfig({ ORT_INTRA_OP_THREADS: '0' })).toThrow(/ORT_INTRA_OP_THREADS/);
      expect(() => readConfig({ INFERENCE_WORKERS: '0' })).toThrow(/INFERENCE_WORKERS/);
      expect(() => readConfig({ INFERENCE_WORKERS: 'two' })).toThrow(/INFERENCE_WORKERS/);
    });
  });
});
