import { unmoldBoxes, unmoldDetections } from '../../../src/adapters/matterport/unmold';
import { computeResize } from '../../../src/adapters/matterport/resize';
import { mergeMatterportConfig } from '../../../src/adapters/matterport/config';
import { regionToFullMask } from '../../../src/masks/mask-region';
import { emptyRle, encodeMaskRegion } from '../../../src/masks/rle';
import { float32FromBase64, unpackBits } from '../../masks/helpers';
import { golden } from './golden';

describe('unmoldDetections (Matterport unmold_detections)', () => {
  it('hand-constructed: one detection covering the window maps to the whole original image', () => {
    // 300×400 original → scale 2.56, resized 768×1024, window [128, 0, 896, 1024] in 1024².
    const plan = computeResize(300, 400, mergeMatterportConfig(undefined));
    expect(plan.window).toEqual([128, 0, 896, 1024]);
    // The window itself in normalized molded coordinates: (128/1023, 0, 895/1023, 1).
    const det = Float32Array.of(128 / 1023, 0, 895 / 1023, 1, 2, 0.875, 0, 0, 0, 0, 0, 0);
    const [mh, mw, classes] = [2, 2, 3];
    // Class 2's channel is all ones; class 1's all zeros: the right channel must be picked.
    const masks = new Float32Array(2 * mh * mw * classes);
    for (let p = 0; p < mh * mw; p++) masks[p * classes + 2] = 1;
    const out = unmoldDetections(
      det,
      masks,
      2,
      mh,
      mw,
      classes,
      [300, 400],
      [1024, 1024],
      plan.window,
    );
    expect(out).toHaveLength(1);
    expect(out[0]).toMatchObject({ classId: 2, score: 0.875, box: [0, 0, 300, 400] });
    expect(out[0].mask).toMatchObject({ top: 0, left: 0, height: 300, width: 400 });
    expect(out[0].mask.data.every((v) => v === 1)).toBe(true);
  });

  it('an instance whose mask thresholds to nothing keeps an empty region', () => {
    const det = Float32Array.of(0.1, 0.1, 0.5, 0.5, 1, 0.9);
    const out = unmoldDetections(
      det,
      new Float32Array(4 * 2),
      1,
      2,
      2,
      2,
      [100, 100],
      [100, 100],
      [0, 0, 100, 100],
    );
    expect(out).toHaveLength(1);
    expect(out[0].mask).toMatchObject({ height: 0, width: 0 });
    expect(encodeMaskRegion(out[0].mask, 100, 100)).toEqual(emptyRle(100, 100));
  });

  it('leaves out (and counts) a class id outside the mask channels', () => {
    const det = Float32Array.of(0.1, 0.1, 0.5, 0.5, 5, 0.9, 0.1, 0.1, 0.5, 0.5, 1, 0.8);
    const { rows, invalid } = unmoldBoxes(det, 2, 2, [10, 10], [10, 10], [0, 0, 10, 10]);
    expect(invalid).toBe(1);
    expect(rows.map((r) => [r.row, r.classId])).toEqual([[1, 1]]);
  });

  it('matches the numpy/skimage recomputation (boxes, classes, scores, masks)', () => {
    const g = golden.unmold;
    const out = unmoldDetections(
      float32FromBase64(g.detections),
      float32FromBase64(g.masks),
      g.rows,
      g.maskHeight,
      g.maskWidth,
      g.numClasses,
      g.originalShape,
      g.imageShape,
      g.window,
    );
    // Rows: a zero-height box (kept, one pixel row), an inverted one (dropped),
    // a class-0 row that ends the list and a valid row after it (ignored).
    expect(out.map((i) => [i.classId, i.box])).toEqual(g.instances.map((i) => [i.classId, i.box]));
    const [h, w] = g.originalShape;
    out.forEach((instance, k) => {
      expect(instance.score).toBe(Math.fround(g.instances[k].score));
      const expected = unpackBits(g.instances[k].mask, h * w);
      const actual = regionToFullMask(instance.mask, h, w);
      let differences = 0;
      for (let i = 0; i < expected.length; i++) if (expected[i] !== actual[i]) differences++;
      expect(differences).toBe(0);
    });
  });
});
