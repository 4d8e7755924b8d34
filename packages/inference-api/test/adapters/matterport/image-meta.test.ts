import { composeImageMeta, parseImageMeta } from '../../../src/adapters/matterport/image-meta';

describe('image meta', () => {
  it('lays out id, shapes, window, scale, active classes as compose_image_meta', () => {
    const meta = composeImageMeta(
      0,
      [480, 640, 3],
      [1024, 1024, 3],
      [128, 0, 896, 1024],
      1.6,
      [0, 0, 0, 0],
    );
    expect(meta).toBeInstanceOf(Float32Array);
    expect(Array.from(meta)).toEqual([
      0,
      480,
      640,
      3,
      1024,
      1024,
      3,
      128,
      0,
      896,
      1024,
      Math.fround(1.6),
      0,
      0,
      0,
      0,
    ]);
    expect(meta.length).toBe(12 + 4);
  });

  it('has 12 + NUM_CLASSES = 93 values for the COCO config', () => {
    expect(
      composeImageMeta(1, [1, 1, 3], [1024, 1024, 3], [0, 0, 1, 1], 1, new Array(81).fill(0))
        .length,
    ).toBe(93);
  });

  it('parseImageMeta inverts it', () => {
    const meta = composeImageMeta(
      7,
      [300, 400, 3],
      [1024, 1024, 3],
      [128, 0, 896, 1024],
      2.5,
      [1, 0, 1],
    );
    expect(parseImageMeta(meta)).toEqual({
      imageId: 7,
      originalImageShape: [300, 400, 3],
      imageShape: [1024, 1024, 3],
      window: [128, 0, 896, 1024],
      scale: 2.5,
      activeClassIds: [1, 0, 1],
    });
    expect(() => parseImageMeta(new Float32Array(5))).toThrow(
      expect.objectContaining({ code: 'INTERNAL' }),
    );
  });
});
