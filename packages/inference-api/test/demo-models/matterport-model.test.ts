import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { unmoldDetections } from '../../src/adapters/matterport/unmold';
import { generateDemoModels, paintShapes } from '@maskops/demo-model';
import { iou, loadDemoModel, moldSquare, regionToMask, tf, useBackend } from './harness';

const N = 8;
const MASK = 28;
const CLASSES = 4;

let dir: string;
let config: { MEAN_PIXEL: number[]; IMAGE_MIN_DIM: number; IMAGE_MAX_DIM: number };
test("the demo config keeps Matterport's COCO resize and mean pixel", () => {
  expect(config).toMatchObject({
    NUM_CLASSES: CLASSES,
    DETECTION_MAX_INSTANCES: N,
    IMAGE_MIN_DIM: 800,
    IMAGE_MAX_DIM: 1024,
    MEAN_PIXEL: [123.7, 116.8, 103.9],
  });
});
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'demo-model-'));
  generateDemoModels(dir);
  config = JSON.parse(
    readFileSync(join(dir, 'shapes-matterport', 'matterport-config.json'), 'utf8'),
  );
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Raw {
  detections: Float32Array;
  masks: Float32Array;
}

async function run(model: tf.GraphModel, data: Float32Array, size: number): Promise<Raw> {
  const feeds = {
    input_image: tf.tensor(data, [1, size, size, 3]),
    input_image_meta: tf.zeros([1, 12 + CLASSES]),
    input_anchors: tf.fill([1, 1023, 4], 0.25),
  };
  const outputs = model.execute(feeds, ['mrcnn_detection', 'mrcnn_mask']) as tf.Tensor[];
  try {
    expect(outputs.map((t) => t.shape)).toEqual([
      [1, N, 6],
      [1, N, MASK, MASK, CLASSES],
    ]);
    const [detections, masks] = (await Promise.all(outputs.map((t) => t.data()))) as Float32Array[];
    return { detections: detections, masks: masks };
  } finally {
    tf.dispose([...Object.values(feeds), ...outputs]);
  }
}

const cases = [
  { width: 1024, height: 768, seed: 1, count: 8, minDim: 800, maxDim: 1024 },
  { width: 300, height: 500, seed: 2, count: 5, minDim: 800, maxDim: 1024 },
  { width: 640, height: 480, seed: 3, minDim: 800, maxDim: 1024 },
];
// The pure-JS cpu backend is ~20× slower: a smaller molded square keeps the suite short
// (the graph takes any square size).
const cpuCases = [{ width: 320, height: 240, seed: 4, count: 6, minDim: 240, maxDim: 320 }];

describe.each(['wasm', 'cpu'] as const)('matterport demo model on %s', (backend) => {
  let model: tf.GraphModel;
  beforeAll(async () => {
    await useBackend(backend);
    model = await loadDemoModel(join(dir, 'shapes-matterport'));
  });
  afterAll(() => model.dispose());

  test.each(backend === 'wasm' ? cases : cpuCases)(
    'finds every painted shape in %o, unmolded',
    async (options) => {
      const painted = paintShapes(options);
      const { width: W, height: H, shapes } = painted;
      const molded = moldSquare(
        painted.rgb,
        W,
        H,
        config.MEAN_PIXEL,
        options.minDim,
        options.maxDim,
      );
      const before = tf.memory().numTensors;
      const raw = await run(model, molded.data, molded.size);
      expect(tf.memory().numTensors).toBe(before);

      // Present detections first, then all-zero rows (the reader stops at class 0).
      for (let i = shapes.length; i < N; i++) {
        expect(Array.from(raw.detections.subarray(i * 6, i * 6 + 6))).toEqual([0, 0, 0, 0, 0, 0]);
      }
      const instances = unmoldDetections(
        raw.detections,
        raw.masks,
        N,
        MASK,
        MASK,
        CLASSES,
        [H, W],
        [molded.size, molded.size],
        [
          molded.top,
          molded.left,
          molded.top + molded.scaledHeight,
          molded.left + molded.scaledWidth,
        ],
      );
      expect(instances).toHaveLength(shapes.length);
      const matched = new Set<number>();
      for (const instance of instances) {
        expect(instance.score).toBeCloseTo(0.99, 5);
        const [y1, x1, y2, x2] = instance.box;
        const s = shapes.findIndex((shape) => {
          const [x, y, w, h] = shape.bbox;
          return [y, x, y + h, x + w].every((edge, e) => Math.abs(edge - [y1, x1, y2, x2][e]) <= 2);
        });
        expect(s).toBeGreaterThanOrEqual(0);
        expect(matched.has(s)).toBe(false);
        matched.add(s);
        expect(instance.classId).toBe(shapes[s].classId);
        expect(iou(shapes[s].mask, regionToMask(instance.mask, H, W))).toBeGreaterThanOrEqual(0.9);
      }
    },
  );

  test('needs all three inputs', () => {
    const image = tf.zeros([1, 64, 64, 3]);
    const meta = tf.zeros([1, 16]);
    expect(() => model.execute({ input_image: image, input_image_meta: meta })).toThrow(
      /input_anchors/,
    );
    tf.dispose([image, meta]);
  });
});
