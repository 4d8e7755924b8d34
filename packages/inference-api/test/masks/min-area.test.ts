import { MIN_INSTANCE_AREA, dropSpecks } from '../../src/masks/min-area';
import { encodeRle } from '../../src/masks/rle';

const H = 20;
const W = 30;
/** An instance whose mask sets `area` pixels scattered over a 20×30 image. */
function instance(area: number, id: number) {
  const mask = new Uint8Array(H * W);
  for (let k = 0; k < area; k++) mask[(k * 7) % (H * W)] = 1;
  return { id, mask: encodeRle(mask, H, W) };
}

describe('dropSpecks', () => {
  it('never answers an instance under the minimum area, whatever its score or box', () => {
    expect(MIN_INSTANCE_AREA).toBe(16);
    const kept = dropSpecks([
      instance(0, 1),
      instance(40, 2),
      instance(15, 3),
      instance(16, 4),
      instance(1, 5),
      instance(H * W, 6),
    ]);
    expect(kept.map((i) => i.id)).toEqual([2, 4, 6]);
  });

  it('keeps an empty list empty', () => {
    expect(dropSpecks([])).toEqual([]);
  });
});
