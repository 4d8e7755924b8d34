/**
 * The ONNX demo model on any background far from the palette (black and near-black
 * included), random sizes 64…1400, PNG and JPEG decoded by sharp: the fixed-seed
 * sweep that inference-api runs through its engines for the TF.js models (the same
 * cases, src/sweep-cases.ts), here on ONNX Runtime directly. Every failure is
 * collected and reported at once.
 */
import { encodeShapesImage } from '../src/paint-shapes';
import { sweepCase } from '../src/sweep-cases';
import { OrtSession, decodeImages, describeMismatch } from './torchvision-harness';

const IMAGES = Number(process.env.DEMO_SWEEP_IMAGES ?? 200);
const SEED = 20_261_130;
const PROGRESS_EVERY = 50;
const SWEEP_TIMEOUT_MS = 300_000;
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
    const failures: string[] = [];
    const started = Date.now();
    let shapes = 0;
    for (let i = 0; i < IMAGES; i++) {
      const { painted, format } = sweepCase(SEED, i);
      shapes += painted.shapes.length;
      const out = await session.run(await decodeImages(await encodeShapesImage(painted, format)));
      const problem = describeMismatch(painted.shapes, out, BOX_TOLERANCE);
      if (problem !== undefined) {
        const { width, height, background } = painted;
        failures.push(`#${i} ${width}x${height} ${format} on ${background.join(',')}: ${problem}`);
      }
      if ((i + 1) % PROGRESS_EVERY === 0 || i + 1 === IMAGES) {
        process.stderr.write(
          `torchvision sweep: ${i + 1}/${IMAGES} images, ${shapes} shapes, ` +
            `${failures.length} failed, ${((Date.now() - started) / 1000).toFixed(1)} s\n`,
        );
      }
    }
    expect(failures).toEqual([]);
  },
  SWEEP_TIMEOUT_MS,
);
