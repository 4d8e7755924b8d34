/**
 * The ONNX demo model (torchvision contract) on real ONNX Runtime: what the file
 * declares, and what it finds in painted images (raw, PNG and JPEG), in a thin
 * ring, in images without shapes and in degenerate sizes.
 */
import { onnx } from 'onnx-proto';
import { buildColourLabelTable } from '../src/colour-label-table';
import { encodeShapesImage, paintShapes } from '../src/paint-shapes';
import { buildTorchvisionGraph } from '../src/torchvision-graph';
import type { TorchvisionOutputs } from './torchvision-harness';
import { paintRingCase } from '../src/ring-case';
import { maskIou } from '../src/shape-match';
import {
  OrtSession,
  decodeImages,
  describeMismatch,
  instanceMask,
  toImages,
} from './torchvision-harness';

const T = onnx.TensorProto.DataType;

function solid(width: number, height: number, rgb: readonly number[]): Uint8Array {
  const out = new Uint8Array(width * height * 3);
  for (let p = 0; p < width * height; p++) out.set(rgb, p * 3);
  return out;
}

function shapeOf(info: onnx.IValueInfoProto): { type: number; dims: Array<number | string> } {
  const tensor = info.type!.tensorType!;
  return {
    type: tensor.elemType!,
    dims: tensor.shape!.dim!.map((d) => (d.dimParam ? d.dimParam : Number(d.dimValue))),
  };
}

describe('model.onnx', () => {
  const bytes = buildTorchvisionGraph();
  const model = onnx.ModelProto.decode(bytes);

  test('is the same bytes on every generation', () => {
    expect(buildTorchvisionGraph().equals(bytes)).toBe(true);
  });

  test('declares the torchvision contract: images [3,H,W] → boxes, labels, scores, masks', () => {
    expect(model.opsetImport.map((o) => [o.domain, Number(o.version)])).toEqual([['', 17]]);
    const graph = onnx.GraphProto.fromObject(model.graph!);
    expect(Object.fromEntries(graph.input.map((i) => [i.name, shapeOf(i)]))).toEqual({
      images: { type: T.FLOAT, dims: [3, 'H', 'W'] },
    });
    expect(graph.output.map((o) => [o.name, shapeOf(o)])).toEqual([
      ['boxes', { type: T.FLOAT, dims: ['N', 4] }],
      ['labels', { type: T.INT64, dims: ['N'] }],
      ['scores', { type: T.FLOAT, dims: ['N'] }],
      ['masks', { type: T.FLOAT, dims: ['N', 1, 'H', 'W'] }],
    ]);
  });

  test('is ops only: standard-domain nodes and small lookup tables, no weights', () => {
    const graph = onnx.GraphProto.fromObject(model.graph!);
    graph.node.forEach((n) => expect(n.domain ?? '').toBe(''));
    // dims are number | Long; Long's types do not resolve from onnx-proto here.
    const elements = graph.initializer.map((t) =>
      ((t.dims ?? []) as unknown[]).reduce<number>((a, b) => a * Number(b), 1),
    );
    // Beyond scalars and axes, the only constants are the two colour lookup tables.
    expect(elements.filter((n) => n > 16).sort((a, b) => a - b)).toEqual([
      3 * 256,
      buildColourLabelTable().labels.length,
    ]);
    expect(bytes.length).toBeLessThan(64 * 1024);
  });

  test('ONNX Runtime loads it with the same input and output names', async () => {
    const session = await OrtSession.create(bytes);
    expect(session.inputNames).toEqual(['images']);
    expect(session.outputNames).toEqual(['boxes', 'labels', 'scores', 'masks']);
    await session.release();
  });
});

describe('on ONNX Runtime', () => {
  let session: OrtSession;
  beforeAll(async () => {
    session = await OrtSession.create();
  });
  afterAll(() => session?.release());

  const expectEmpty = (out: TorchvisionOutputs, width: number, height: number): void => {
    expect(out.boxes.dims).toEqual([0, 4]);
    expect(out.labels.dims).toEqual([0]);
    expect(out.scores.dims).toEqual([0]);
    expect(out.masks.dims).toEqual([0, 1, height, width]);
    expect([out.boxes.type, out.labels.type, out.scores.type, out.masks.type]).toEqual([
      'float32',
      'int64',
      'float32',
      'float32',
    ]);
  };

  test.each([
    [320, 240, 8, 1],
    [640, 480, 5, 2],
    [97, 211, 2, 3],
    [1400, 90, 3, 4],
  ])(
    'a raw %ix%i image of %i shapes (seed %i): exact masks and boxes',
    async (width, height, count, seed) => {
      const painted = paintShapes({ width, height, count, seed });
      const out = await session.run(toImages(painted.rgb, width, height));
      expect(describeMismatch(painted.shapes, out, 0)).toBeUndefined();
      expect(out.masks.dims).toEqual([count, 1, height, width]);
      expect(Array.from(out.scores.data)).toEqual(new Array<number>(count).fill(Math.fround(0.99)));
      painted.shapes.forEach((shape) => {
        const best = Math.max(
          ...painted.shapes.map((_, i) => maskIou(instanceMask(out.masks, i), shape.mask)),
        );
        expect(best).toBe(1);
      });
    },
  );

  test.each(['png', 'jpeg'] as const)('an encoded %s image, decoded by sharp', async (format) => {
    const painted = paintShapes({
      width: 500,
      height: 400,
      count: 6,
      seed: 7,
      background: [0, 0, 0],
    });
    const out = await session.run(await decodeImages(await encodeShapesImage(painted, format)));
    expect(describeMismatch(painted.shapes, out, 1)).toBeUndefined();
  });

  test('a thin ring of another palette colour around a shape is not an instance', async () => {
    // A magenta square on black with a 2 px purple ring (what a blended edge can
    // read as), a real purple circle elsewhere, and a 2 px blue line: two instances.
    const { width: W, height: H, rgb, magenta, circle } = paintRingCase();
    const out = await session.run(toImages(rgb, W, H));
    // Palette order: purple (slot 5) before magenta (slot 7); no blue line.
    expect(Array.from(out.labels.data)).toEqual([2n, 1n]);
    expect(maskIou(instanceMask(out.masks, 0), circle)).toBeGreaterThanOrEqual(0.9);
    expect(maskIou(instanceMask(out.masks, 1), magenta)).toBe(1);
    expect(Array.from(out.boxes.data.subarray(4, 8))).toEqual([20, 20, 80, 80]);
  });

  test.each([
    ['black', [0, 0, 0]],
    ['near-black', [9, 3, 14]],
    ['grey', [128, 128, 128]],
  ])('a blank %s image: N = 0, empty outputs of the right ranks', async (_name, rgb) => {
    const out = await session.run(toImages(solid(70, 50, rgb), 70, 50));
    expectEmpty(out, 70, 50);
  });

  test('only specks and thin lines: N = 0', async () => {
    const [W, H] = [120, 80];
    const rgb = solid(W, H, [0, 0, 0]);
    for (let x = 5; x < 115; x++) rgb.set([230, 25, 75], (40 * W + x) * 3); // a 1 px red line
    for (let y = 10; y < 13; y++)
      for (let x = 10; x < 13; x++) rgb.set([0, 130, 200], (y * W + x) * 3); // 9 px
    expectEmpty(await session.run(toImages(rgb, W, H)), W, H);
  });

  test.each([
    [1, 1],
    [1, 50],
    [50, 1],
    [4, 4],
  ])('a %ix%i red image runs and gives finite outputs', async (width, height) => {
    const out = await session.run(toImages(solid(width, height, [230, 25, 75]), width, height));
    if (width * height < 16) {
      expectEmpty(out, width, height);
      return;
    }
    expect(Array.from(out.labels.data)).toEqual([1n]);
    expect(Array.from(out.boxes.data)).toEqual([0, 0, width, height]);
    expect(instanceMask(out.masks, 0).every((v) => v === 1)).toBe(true);
  });
});

test('the empty behaviour finds the same shapes with every score collapsed to 0.01', async () => {
  const session = await OrtSession.create(buildTorchvisionGraph(0.01));
  try {
    const painted = paintShapes({ width: 320, height: 240, count: 4, seed: 7 });
    const out = await session.run(toImages(painted.rgb, 320, 240));
    expect(describeMismatch(painted.shapes, out, 0)).toBeUndefined();
    expect(Array.from(out.scores.data)).toEqual(new Array<number>(4).fill(Math.fround(0.01)));
  } finally {
    await session.release();
  }
});
