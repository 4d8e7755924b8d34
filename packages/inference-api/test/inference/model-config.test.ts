import { readConfig } from '../../src/config';
import { modelConfigOf } from '../../src/inference/model-config';

describe('modelConfigOf', () => {
  it('keeps the model settings under their config names, frozen, and nothing else', () => {
    const config = readConfig({
      MODEL_PATH: '/models/m',
      MODEL_ADAPTER: 'torchvision',
      MODEL_LABELS: '/models/labels.txt',
      TFJS_BACKEND: 'cpu',
      ORT_INTRA_OP_THREADS: '3',
      MAX_IMAGE_PIXELS: '1000',
      MAX_INSTANCES: '7',
      PORT: '9000',
    });
    const model = modelConfigOf(config);
    expect(model).toEqual({
      modelPath: '/models/m',
      modelAdapter: 'torchvision',
      modelLabels: '/models/labels.txt',
      modelCacheDir: undefined,
      tfjsBackend: 'cpu',
      ortIntraOpThreads: 3,
      maxImagePixels: 1000,
      maxInputSide: 1333,
      maxOverlaySide: 4096,
      maxInstances: 7,
    });
    expect(Object.isFrozen(model)).toBe(true);
    expect(model).not.toHaveProperty('port');
  });
});
