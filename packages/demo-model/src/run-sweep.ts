import type { SweepCase } from './sweep-cases';
import { sweepCase } from './sweep-cases';

/** The sweep every demo model runs: how many images, which seed, and how one is judged. */
export interface SweepOptions {
  /** Printed in the progress lines, e.g. the model variant. */
  label: string;
  images: number;
  seed: number;
  progressEvery: number;
  /** What breaks the demo contract on one image, or undefined. */
  check: (sweep: SweepCase) => Promise<string | undefined>;
}

/**
 * Runs `check` over the fixed-seed sweep and returns every failure (not just the
 * first), one line each naming the image; prints progress to stderr as it goes.
 */
export async function runSweep(options: SweepOptions): Promise<string[]> {
  const { label, images, seed, progressEvery, check } = options;
  const failures: string[] = [];
  const started = Date.now();
  let shapes = 0;
  for (let i = 0; i < images; i++) {
    const sweep = sweepCase(seed, i);
    shapes += sweep.painted.shapes.length;
    const problem = await check(sweep);
    if (problem !== undefined) {
      failures.push(`#${i} ${describeImage(sweep)}: ${problem}`);
      // At once, not only at the end: a sweep takes minutes.
      process.stderr.write(`${label} sweep: failed ${failures.at(-1)}\n`);
    }
    if ((i + 1) % progressEvery === 0 || i + 1 === images) {
      process.stderr.write(
        `${label} sweep: ${i + 1}/${images} images, ${shapes} shapes, ` +
          `${failures.length} failed, ${((Date.now() - started) / 1000).toFixed(1)} s\n`,
      );
    }
  }
  return failures;
}

function describeImage({ painted, format, texture }: SweepCase): string {
  const { width, height, background, shapes } = painted;
  const detail =
    texture.kind === 'noise'
      ? ` noise σ=${texture.sigma.toFixed(1)}`
      : texture.kind === 'smooth'
        ? ` texture ±${texture.amplitude}/${texture.cell}px`
        : '';
  return `${width}x${height} ${format} on ${background.join(',')}${detail}, ${shapes.length} shapes`;
}
