/**
 * The ONNX demo model on any background far from the palette (black and near-black
 * included), random sizes 64…1400, PNG and JPEG decoded by sharp: the fixed-seed
 * sweep that inference-api runs through its engines for the TF.js models (the same
 * cases, src/sweep-cases.ts), here on ONNX Runtime directly. Every failure is
 * collected and reported at once.
 */
import { encodeShapesImage } from '../src/paint-shapes';
import { runSweep } from '../src/run-sweep';
import { OrtSession, decodeImages, describeMismatch } from './torchvision-harness';

const IMAGES = Number(process.env.DEMO_SWEEP_IMAGES ?? 200);
const SEED = 20_261_130;
const PROGRESS_EVERY = 50;
// Minutes on a busy shared machine: the bound only stops a hung run.
const SWEEP_TIMEOUT_MS = 1_800_000;
/**
 * Pixels a box may be off. The graph sees the image at full size (no resize), so
 * only JPEG's blended edges move a box: a blended edge pixel that leaves the
 * colour's ±24 band shrinks it by one.
 */
const BOX_TOLERANCE = 1;

let session: OrtSession;
beforeAll(async () => {
  session = await OrtSession.create();
});
afterAll(() => session?.release());

test(
  `${IMAGES} random images: one instance per shape, right class, IoU ≥ 0.9`,
  async () => {
    const failures = await runSweep({
      label: 'torchvision',
      images: IMAGES,
      seed: SEED,
      progressEvery: PROGRESS_EVERY,
      check: async ({ painted, format, boxSlack }) => {
        const out = await session.run(await decodeImages(await encodeShapesImage(painted, format)));
        return describeMismatch(painted.shapes, out, BOX_TOLERANCE + boxSlack);
      },
    });
    expect(failures).toEqual([]);
  },
  SWEEP_TIMEOUT_MS,
);
