import {
  defaultMatterportConfig,
  mergeMatterportConfig,
} from '../../../src/adapters/matterport/config';

describe('Matterport config', () => {
  it("defaults are Matterport's COCO config", () => {
    expect(mergeMatterportConfig(undefined)).toEqual({
      IMAGE_MIN_DIM: 800,
      IMAGE_MAX_DIM: 1024,
      IMAGE_MIN_SCALE: 0,
      IMAGE_RESIZE_MODE: 'square',
      MEAN_PIXEL: [123.7, 116.8, 103.9],
      BACKBONE_STRIDES: [4, 8, 16, 32, 64],
      RPN_ANCHOR_SCALES: [32, 64, 128, 256, 512],
      RPN_ANCHOR_RATIOS: [0.5, 1, 2],
      RPN_ANCHOR_STRIDE: 1,
      NUM_CLASSES: 81,
      DETECTION_MIN_CONFIDENCE: 0.7,
      DETECTION_MAX_INSTANCES: 100,
      MASK_SHAPE: [28, 28],
      IMAGE_CHANNEL_COUNT: 3,
    });
    expect(mergeMatterportConfig(null)).toEqual(defaultMatterportConfig);
  });

  it('overrides known keys, ignores training-only keys, leaves the defaults untouched', () => {
    const merged = mergeMatterportConfig({
      NUM_CLASSES: 4,
      IMAGE_MAX_DIM: 512,
      IMAGE_MIN_DIM: 512,
      DETECTION_MIN_CONFIDENCE: 0.5,
      LEARNING_RATE: 0.001,
      NAME: 'shapes',
    });
    expect(merged).toMatchObject({ NUM_CLASSES: 4, IMAGE_MAX_DIM: 512, IMAGE_MIN_DIM: 512 });
    expect(merged).not.toHaveProperty('LEARNING_RATE');
    expect(defaultMatterportConfig.NUM_CLASSES).toBe(81);
  });

  it.each([
    [{ NUM_CLASSES: '81' }, 'NUM_CLASSES'],
    [{ NUM_CLASSES: 1 }, 'NUM_CLASSES'],
    [{ IMAGE_MAX_DIM: 1000 }, 'IMAGE_MAX_DIM'],
    [{ IMAGE_RESIZE_MODE: 'crop' }, 'IMAGE_RESIZE_MODE'],
    [{ MEAN_PIXEL: [1, 2] }, 'MEAN_PIXEL'],
    [{ RPN_ANCHOR_SCALES: [32, 64] }, 'RPN_ANCHOR_SCALES'],
    [{ RPN_ANCHOR_RATIOS: [0.5, -1] }, 'RPN_ANCHOR_RATIOS'],
    [{ MASK_SHAPE: [28] }, 'MASK_SHAPE'],
    [{ DETECTION_MIN_CONFIDENCE: 1.5 }, 'DETECTION_MIN_CONFIDENCE'],
    [{ IMAGE_RESIZE_MODE: 'pad64', IMAGE_MIN_DIM: 800 + 1 }, 'IMAGE_MIN_DIM'],
    [[1, 2], '(root)'],
  ])('rejects %j naming %s with MODEL_INVALID', (overrides, key) => {
    let error: unknown;
    try {
      mergeMatterportConfig(overrides);
    } catch (e) {
      error = e;
    }
    expect(error).toMatchObject({ code: 'MODEL_INVALID', details: { key } });
    expect((error as Error).message).toContain(key);
  });
});
