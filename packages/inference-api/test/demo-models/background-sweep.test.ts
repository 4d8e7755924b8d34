/**
 * The demo model on any background far from the palette (black and near-black
 * included), random sizes across the input space, PNG and JPEG: a fixed-seed
 * sweep through the real engine (worker, decode, adapter, post-processing), one
 * engine per adapter — the TF.js variants and the ONNX one on ONNX Runtime. Every
 * failure is collected and reported at once.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DEMO_ONNX_VARIANTS,
  DEMO_VARIANTS,
  encodeShapesImage,
  generateDemoModels,
  runSweep,
} from '@maskops/demo-model';
import type { WorkerInferenceEngine } from '../../src/inference/engine';
import { createInferenceEngine } from '../../src/inference/engine';
import { describeMismatch } from '../inference/shape-match';
import { testModelConfig } from '../fixtures/test-config';
import { probed } from '../fixtures/probed';

// The engine runs dist/inference/worker.js: `pnpm build` before this test. The
// models are generated from this checkout's src into a temporary folder.
const IMAGES = Number(process.env.DEMO_SWEEP_IMAGES ?? 200);
const SEED = 20_261_130;
const PROGRESS_EVERY = 25;
// A few minutes per adapter on a busy 2-core machine; the bound only stops a hung run.
const SWEEP_TIMEOUT_MS = 1_800_000;
/**
 * Pixels a reported box may be off. Resizing blends every edge; a blended pixel
 * reads as its colour only when nearly covered, so a resized triangle loses its
 * apex and base corners (and unmolding rounds): up to 3 px measured in the image
 * the model sees, i.e. more in a larger image shrunk to MAX_MODEL_SIDE (the
 * smaller of the adapters' limits). IoU ≥ 0.9 is the contract; the box check
 * only pairs instances with shapes.
 */
const MAX_MODEL_SIDE = 1024;
function boxTolerance(width: number, height: number, slack: number): number {
  return Math.ceil((3 + slack) * Math.max(1, Math.max(width, height) / MAX_MODEL_SIDE));
}

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'demo-sweep-'));
  generateDemoModels(dir);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const VARIANTS = [...Object.keys(DEMO_VARIANTS), ...Object.keys(DEMO_ONNX_VARIANTS)];

describe.each(VARIANTS)('%s sweep', (variant) => {
  let engine: WorkerInferenceEngine;
  beforeAll(async () => {
    // ONNX Runtime: one thread, like the jest workers beside it on a shared machine.
    engine = await createInferenceEngine({
      model: testModelConfig({ modelPath: join(dir, variant), ortIntraOpThreads: 1 }),
    });
  });
  afterAll(() => engine?.close());

  test(
    `${IMAGES} random images: one instance per shape, right class, IoU ≥ 0.9`,
    async () => {
      const failures = await runSweep({
        label: variant,
        images: IMAGES,
        seed: SEED,
        progressEvery: PROGRESS_EVERY,
        check: async ({ painted, format, boxSlack }) => {
          const bytes = await encodeShapesImage(painted, format);
          const prediction = await engine.predict(bytes, await probed(bytes, { minScore: 0.5 }));
          return describeMismatch(
            painted.shapes,
            prediction.instances,
            boxTolerance(painted.width, painted.height, boxSlack),
          );
        },
      });
      expect(failures).toEqual([]);
    },
    SWEEP_TIMEOUT_MS,
  );
});
