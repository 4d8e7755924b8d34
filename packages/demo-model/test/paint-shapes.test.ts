import sharp from 'sharp';
import {
  COLOUR_TOLERANCE,
  PALETTE_COLOURS,
  isFarFromPalette,
  matchesPalette,
} from '../src/palette';
import type { PaintedImage } from '../src/paint-shapes';
import {
  MIN_SHAPE_SIZE,
  PALETTE,
  SAFE_BACKGROUNDS,
  encodeShapesImage,
  paintShapes,
} from '../src/paint-shapes';

const GAP = 8;

function fill(shape: PaintedImage['shapes'][number]): number {
  const area = shape.mask.reduce((a, b) => a + b, 0);
  return area / (shape.bbox[2] * shape.bbox[3]);
}

test("PALETTE is the contract's (README), in its order", () => {
  expect(Object.entries(PALETTE)).toEqual([
    ['red', [230, 25, 75]],
    ['green', [60, 180, 75]],
    ['blue', [0, 130, 200]],
    ['yellow', [255, 225, 25]],
    ['orange', [245, 130, 48]],
    ['purple', [145, 30, 180]],
    ['cyan', [70, 240, 240]],
    ['magenta', [240, 50, 230]],
  ]);
  SAFE_BACKGROUNDS.forEach((bg) => expect(matchesPalette(bg)).toBeUndefined());
});

test('a background is far from the palette when some channel is beyond ±24 plus the margin', () => {
  expect(isFarFromPalette([0, 0, 0], 16)).toBe(true);
  expect(isFarFromPalette([255, 255, 255], 16)).toBe(true);
  // Blue is 0,130,200: 41 levels off on green is far with margin 16, 40 is not.
  expect(isFarFromPalette([0, 171, 200], 16)).toBe(true);
  expect(isFarFromPalette([0, 170, 200], 16)).toBe(false);
  expect(isFarFromPalette([0, 155, 200], 0)).toBe(true);
  // Far with a margin implies not taken for a palette colour.
  for (let v = 0; v < 256; v += 5) {
    const rgb = [v, 255 - v, (v * 7) % 256] as const;
    if (isFarFromPalette(rgb, 0)) expect(matchesPalette(rgb)).toBeUndefined();
  }
});

test('the same options paint the same image; another seed another', () => {
  const a = paintShapes({ width: 320, height: 240, seed: 7 });
  const b = paintShapes({ width: 320, height: 240, seed: 7 });
  const c = paintShapes({ width: 320, height: 240, seed: 8 });
  expect(Buffer.from(a.rgb).equals(Buffer.from(b.rgb))).toBe(true);
  expect(a.shapes.map((s) => [s.colour, s.label, s.bbox])).toEqual(
    b.shapes.map((s) => [s.colour, s.label, s.bbox]),
  );
  expect(Buffer.from(a.rgb).equals(Buffer.from(c.rgb))).toBe(false);
});

describe.each([
  [640, 480],
  [1024, 768],
  [300, 500],
])('%ix%i images', (width, height) => {
  test.each([1, 2, 3, 4, 5, 6])('seed %i: solid, separate, well-classed shapes', (seed) => {
    const count = ((seed * 3) % 8) + 1;
    const painted = paintShapes({ width, height, seed, count });
    const { rgb, shapes, background } = painted;
    expect(rgb).toHaveLength(width * height * 3);
    expect(shapes).toHaveLength(count);
    expect(new Set(shapes.map((s) => s.colour)).size).toBe(count);

    const owner = new Int8Array(width * height).fill(-1);
    shapes.forEach((shape, s) => {
      const [x, y, w, h] = shape.bbox;
      expect(Math.min(w, h)).toBeGreaterThanOrEqual(MIN_SHAPE_SIZE - 1);
      expect(x).toBeGreaterThanOrEqual(1);
      expect(y).toBeGreaterThanOrEqual(1);
      expect(x + w).toBeLessThan(width);
      expect(y + h).toBeLessThan(height);
      let [minX, minY, maxX, maxY] = [width, height, -1, -1];
      let overlaps = 0;
      for (let p = 0; p < shape.mask.length; p++) {
        if (!shape.mask[p]) continue;
        if (owner[p] !== -1) overlaps++;
        owner[p] = s;
        const px = p % width;
        const py = (p - px) / width;
        if (px < minX) minX = px;
        if (px > maxX) maxX = px;
        if (py < minY) minY = py;
        if (py > maxY) maxY = py;
      }
      expect(overlaps).toBe(0);
      expect([minX, minY, maxX - minX + 1, maxY - minY + 1]).toEqual(shape.bbox);
      const ratio = fill(shape);
      const expected = ratio >= 0.9 ? 'square' : ratio >= 0.65 ? 'circle' : 'triangle';
      expect(shape.label).toBe(expected);
      expect(shape.classId).toBe({ square: 1, circle: 2, triangle: 3 }[shape.label]);
      shapes.slice(s + 1).forEach((other) => {
        const [ox, oy, ow, oh] = other.bbox;
        const apart =
          x + w + GAP <= ox || ox + ow + GAP <= x || y + h + GAP <= oy || oy + oh + GAP <= y;
        expect(apart).toBe(true);
      });
    });
    const colours = shapes.map((shape) => PALETTE[shape.colour]);
    let wrong = 0;
    for (let p = 0; p < width * height; p++) {
      const colour = owner[p] >= 0 ? colours[owner[p]] : background;
      if (rgb[p * 3] !== colour[0] || rgb[p * 3 + 1] !== colour[1] || rgb[p * 3 + 2] !== colour[2])
        wrong++;
    }
    expect(wrong).toBe(0);
  });
});

test('eight shapes fit in a small image for many seeds, with every class appearing', () => {
  const labels = new Set<string>();
  for (let seed = 100; seed < 120; seed++) {
    const painted = paintShapes({ width: 300, height: 500, seed, count: 8 });
    painted.shapes.forEach((s) => labels.add(s.label));
  }
  expect([...labels].sort()).toEqual(['circle', 'square', 'triangle']);
});

test('rejects impossible requests', () => {
  expect(() => paintShapes({ width: 100, height: 100, seed: 1, count: 0 })).toThrow(RangeError);
  expect(() => paintShapes({ width: 100, height: 100, seed: 1, count: 9 })).toThrow(RangeError);
  expect(() =>
    paintShapes({ width: 100, height: 100, seed: 1, count: 1, background: [220, 40, 80] }),
  ).toThrow(/red/);
  expect(() => paintShapes({ width: 60, height: 60, seed: 1, count: 8 })).toThrow(/cannot fit/);
  expect(() => paintShapes({ width: 0, height: 10, seed: 1 })).toThrow(RangeError);
});

test('a custom background is used', () => {
  const painted = paintShapes({
    width: 200,
    height: 200,
    seed: 3,
    count: 1,
    background: [10, 200, 10],
  });
  expect(Array.from(painted.rgb.subarray(0, 3))).toEqual([10, 200, 10]);
});

describe('encodeShapesImage', () => {
  const painted = paintShapes({ width: 320, height: 240, seed: 12, count: 8 });

  test.each(['png', 'tiff'] as const)('%s is lossless', async (format) => {
    const encoded = await encodeShapesImage(painted, format);
    const { data, info } = await sharp(encoded).raw().toBuffer({ resolveWithObject: true });
    expect(info.format).toBe('raw');
    expect([info.width, info.height, info.channels]).toEqual([320, 240, 3]);
    expect(Buffer.from(painted.rgb).equals(data)).toBe(true);
    expect((await sharp(encoded).metadata()).format).toBe(format);
  });

  test.each(['jpeg', 'webp'] as const)(
    '%s keeps every shape pixel within the tolerance',
    async (format) => {
      const encoded = await encodeShapesImage(painted, format);
      expect((await sharp(encoded).metadata()).format).toBe(format);
      const { data } = await sharp(encoded)
        .removeAlpha()
        .raw()
        .toBuffer({ resolveWithObject: true });
      let inTolerance = 0;
      let total = 0;
      const { abs, max } = Math;
      painted.shapes.forEach((shape) => {
        const [r, g, b] = PALETTE[shape.colour];
        for (let p = 0; p < shape.mask.length; p++) {
          if (!shape.mask[p]) continue;
          total++;
          const off = max(abs(data[p * 3] - r), abs(data[p * 3 + 1] - g), abs(data[p * 3 + 2] - b));
          if (off <= COLOUR_TOLERANCE) inTolerance++;
        }
      });
      expect(inTolerance / total).toBeGreaterThan(0.99);
      expect(PALETTE_COLOURS).toHaveLength(8);
    },
  );
});
