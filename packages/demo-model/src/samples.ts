/**
 * The sample images inference-api's upload page offers ("Try a sample"): painted
 * shapes on each kind of background the demo models are held to, written as PNG
 * by `maskops-demo-model --samples DIR`. Deterministic, like the models.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BackgroundTexture } from './background-texture';
import { TextureKind } from './background-texture';
import { encodeShapesImage, paintShapes } from './paint-shapes';
import type { Rgb } from './palette';

interface Sample {
  file: string;
  width: number;
  height: number;
  seed: number;
  count: number;
  background: Rgb;
  texture: BackgroundTexture;
}

const SAMPLES: readonly Sample[] = [
  {
    file: 'shapes-flat.png',
    width: 640,
    height: 480,
    seed: 3,
    count: 5,
    background: [40, 40, 48],
    texture: { kind: TextureKind.FLAT },
  },
  {
    file: 'shapes-noise.png',
    width: 640,
    height: 480,
    seed: 11,
    count: 6,
    background: [120, 120, 120],
    texture: { kind: TextureKind.NOISE, sigma: 20 },
  },
  {
    file: 'shapes-texture.png',
    width: 480,
    height: 640,
    seed: 29,
    count: 4,
    background: [200, 200, 190],
    texture: { kind: TextureKind.SMOOTH, amplitude: 30, cell: 48 },
  },
];

/** Writes every sample into `dir` (created); `log` gets one line per file. */
export async function writeSamples(dir: string, log: (line: string) => void): Promise<void> {
  mkdirSync(dir, { recursive: true });
  for (const { file, ...options } of SAMPLES) {
    const png = await encodeShapesImage(paintShapes(options), 'png');
    writeFileSync(join(dir, file), png);
    log(`demo-model: wrote sample ${file} (${png.length} bytes)`);
  }
}
