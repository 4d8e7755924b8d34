import {
  anchorCounts,
  computeBackboneShapes,
  generatePyramidAnchors,
} from '../../../src/adapters/matterport/anchors';
import { mergeMatterportConfig } from '../../../src/adapters/matterport/config';
import { float32FromBase64 } from '../../masks/helpers';
import { golden } from './golden';

const coco = mergeMatterportConfig(undefined);
const f = Math.fround;

describe('generatePyramidAnchors (Matterport generate_pyramid_anchors + norm_boxes)', () => {
  const anchors = generatePyramidAnchors(coco, [1024, 1024]);

  it('has 261,888 anchors at 1024²: 3 ratios × (256² + 128² + 64² + 32² + 16²)', () => {
    expect(computeBackboneShapes(coco, [1024, 1024])).toEqual([
      [256, 256],
      [128, 128],
      [64, 64],
      [32, 32],
      [16, 16],
    ]);
    expect(anchorCounts(coco, [1024, 1024])).toEqual([196608, 49152, 12288, 3072, 768]);
    expect(anchors.length).toBe(261888 * 4);
  });

  it('first anchor: level 0, cell (0,0), scale 32, ratio 0.5', () => {
    // height 32/√0.5 = 45.2548…, width 32·√0.5 = 22.6274…, centred on pixel (0,0);
    // normalized (y1, x1, y2 − 1, x2 − 1) / 1023.
    const halfH = 45.254833995939045 / 2;
    const halfW = 22.627416997969522 / 2;
    expect(Array.from(anchors.subarray(0, 4))).toEqual([
      f(-halfH / 1023),
      f(-halfW / 1023),
      f((halfH - 1) / 1023),
      f((halfW - 1) / 1023),
    ]);
    // Second anchor: same cell, ratio 1, a 32×32 square.
    expect(Array.from(anchors.subarray(4, 8))).toEqual([
      f(-16 / 1023),
      f(-16 / 1023),
      f(15 / 1023),
      f(15 / 1023),
    ]);
    // Fourth anchor: next cell to the right (x = 4), ratio 0.5 again — ratios vary fastest.
    expect(anchors[3 * 4 + 1]).toBe(f((4 - halfW) / 1023));
  });

  it('first anchor of level 1 (index 196,608): scale 64, ratio 0.5, cell (0,0)', () => {
    const i = 196608 * 4;
    expect(anchors[i]).toBe(f(-(64 / Math.SQRT1_2) / 2 / 1023));
    // The one before it is the last of level 0: cell (255, 255) = pixel 1020, ratio 2; its y2.
    expect(anchors[i - 4 + 2]).toBe(f((1020 + 32 / Math.SQRT2 / 2 - 1) / 1023));
  });

  it('last anchor: level 4, cell (15,15) = pixel 960, scale 512, ratio 2', () => {
    const halfH = 512 / Math.SQRT2 / 2;
    const halfW = (512 * Math.SQRT2) / 2;
    expect(Array.from(anchors.subarray(anchors.length - 4))).toEqual([
      f((960 - halfH) / 1023),
      f((960 - halfW) / 1023),
      f((960 + halfH - 1) / 1023),
      f((960 + halfW - 1) / 1023),
    ]);
  });

  it.each(golden.anchors.map((g) => [g.shape.join('×'), g] as const))(
    'matches the numpy recomputation at %s',
    (_, g) => {
      const a = generatePyramidAnchors(coco, g.shape);
      expect(a.length).toBe(g.count * 4);
      const sample = float32FromBase64(g.sample);
      g.sampleIndex.forEach((index, k) => {
        expect(Array.from(a.subarray(index * 4, index * 4 + 4))).toEqual(
          Array.from(sample.subarray(k * 4, k * 4 + 4)),
        );
      });
      let sum = 0;
      for (let i = 0; i < a.length; i++) sum += a[i];
      expect(sum).toBeCloseTo(g.sum, 4);
    },
  );

  it('is memoized per settings and shape', () => {
    expect(generatePyramidAnchors({ ...coco }, [1024, 1024])).toBe(anchors);
    expect(generatePyramidAnchors(coco, [512, 512])).not.toBe(anchors);
    expect(generatePyramidAnchors({ ...coco, RPN_ANCHOR_RATIOS: [1] }, [1024, 1024]).length).toBe(
      87296 * 4,
    );
  });
});
