import { mergeMatterportConfig } from '../../../src/adapters/matterport/config';
import {
  computeResize,
  denormBox,
  normBox,
  roundHalfEven,
} from '../../../src/adapters/matterport/resize';
import { golden } from './golden';

const coco = mergeMatterportConfig(undefined);

describe('computeResize (Matterport resize_image geometry)', () => {
  it('landscape 480×640: scale 800/480, long side 1024, centred vertically', () => {
    // scale = max(1, 800/480) = 1.666…; round(640·1.666…) = 1067 > 1024 → scale = 1024/640 = 1.6.
    // Resized 768×1024, padding (1024−768)/2 = 128 above and below.
    expect(computeResize(480, 640, coco)).toEqual({
      scale: 1.6,
      outHeight: 768,
      outWidth: 1024,
      window: [128, 0, 896, 1024],
      padding: [
        [128, 128],
        [0, 0],
        [0, 0],
      ],
      paddedHeight: 1024,
      paddedWidth: 1024,
    });
  });

  it('portrait 640×480 is the transpose', () => {
    const plan = computeResize(640, 480, coco);
    expect(plan.window).toEqual([0, 128, 1024, 896]);
    expect([plan.outHeight, plan.outWidth]).toEqual([1024, 768]);
  });

  it('tiny 10×20: 800/10 = 80 would make the long side 1600, so the max dim caps it at 51.2', () => {
    const plan = computeResize(10, 20, coco);
    expect(plan.scale).toBe(51.2);
    expect([plan.outHeight, plan.outWidth]).toEqual([512, 1024]);
    expect(plan.window).toEqual([256, 0, 768, 1024]);
  });

  it('square 800×800 keeps scale 1 and pads 112 on every side', () => {
    const plan = computeResize(800, 800, coco);
    expect(plan.scale).toBe(1);
    expect(plan.window).toEqual([112, 112, 912, 912]);
  });

  it('odd padding puts the extra pixel at the bottom/right', () => {
    // 2000×3000 → scale 1024/3000, height round(682.67) = 683, padding 341 → 170 + 171.
    expect(computeResize(2000, 3000, coco).padding[0]).toEqual([170, 171]);
  });

  it('rounds like Python: half to even', () => {
    expect([0.5, 1.5, 2.5, -0.5, -1.5, 2.4999, 2.5001].map(roundHalfEven)).toEqual([
      0, 2, 2, -0, -2, 2, 3,
    ]);
  });

  it('pad64 needs IMAGE_MIN_DIM to be a multiple of 64, as Matterport asserts', () => {
    expect(() => computeResize(10, 10, { ...coco, IMAGE_RESIZE_MODE: 'pad64' })).toThrow(
      expect.objectContaining({ code: 'MODEL_INVALID' }),
    );
  });

  it('throws MODEL_INVALID for an unsupported mode', () => {
    expect(() => computeResize(10, 10, { ...coco, IMAGE_RESIZE_MODE: 'crop' as never })).toThrow(
      expect.objectContaining({ code: 'MODEL_INVALID' }),
    );
  });

  it.each(golden.resize.map((g) => [`${g.height}×${g.width} ${g.mode}`, g] as const))(
    'matches the numpy recomputation: %s',
    (_, g) => {
      const plan = computeResize(g.height, g.width, {
        ...coco,
        IMAGE_RESIZE_MODE: g.mode,
        IMAGE_MIN_DIM: g.minDim,
      });
      expect(plan.scale).toBe(g.scale);
      expect([plan.outHeight, plan.outWidth]).toEqual(g.out);
      expect(plan.window).toEqual(g.window);
      expect(plan.padding).toEqual(g.padding);
      expect(plan.paddedHeight).toBe(g.out[0] + g.padding[0][0] + g.padding[0][1]);
      expect(plan.paddedWidth).toBe(g.out[1] + g.padding[1][0] + g.padding[1][1]);
      if (g.mode === 'pad64')
        expect([plan.paddedHeight % 64, plan.paddedWidth % 64]).toEqual([0, 0]);
    },
  );
});

describe('normBox / denormBox', () => {
  it('map pixel edges to pixel centres and back', () => {
    // (y1, x1, y2−1, x2−1) / (h−1, w−1): the window of a 768-high image in 1024².
    expect(Array.from(normBox([128, 0, 896, 1024], 1024, 1024))).toEqual([
      Math.fround(128 / 1023),
      0,
      Math.fround(895 / 1023),
      1,
    ]);
    expect(denormBox(normBox([128, 0, 896, 1024], 1024, 1024), 1024, 1024)).toEqual([
      128, 0, 896, 1024,
    ]);
  });
});
