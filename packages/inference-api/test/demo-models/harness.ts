/**
 * Test helpers for the demo model: load a generated graph model into TF.js,
 * pick a backend, mold an image the Matterport way, compare masks.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';

export { tf };

// Module-level copies: global lookups are slow inside jest's vm context and these run per pixel.
const { floor, min, max, round } = Math;

let wasmReady = false;

export async function useBackend(name: 'wasm' | 'cpu'): Promise<void> {
  if (name === 'wasm' && !wasmReady) {
    setWasmPaths(`${dirname(require.resolve('@tensorflow/tfjs-backend-wasm'))}/`);
    wasmReady = true;
  }
  if (!(await tf.setBackend(name))) throw new Error(`backend ${name} did not initialise`);
  await tf.ready();
}

export async function loadDemoModel(dir: string): Promise<tf.GraphModel> {
  const json = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8')) as tf.io.ModelJSON;
  const artifacts = await tf.io.getModelArtifactsForJSON(json, (manifest) => {
    const specs = manifest.flatMap((group) => group.weights);
    const data = Buffer.concat(
      manifest.flatMap((g) => g.paths.map((p) => readFileSync(join(dir, p)))),
    );
    return Promise.resolve([specs, new Uint8Array(data).buffer]);
  });
  return tf.loadGraphModel(tf.io.fromMemory(artifacts));
}

/** A reader's mask region as a full-image 0/1 mask. */
/** The product's own region → full-mask expansion. */
export { regionToFullMask as regionToMask } from '../../src/masks/mask-region';

export interface Molded {
  /** [S*S*3] float, minus the mean pixel */
  data: Float32Array;
  size: number;
  scale: number;
  top: number;
  left: number;
  scaledHeight: number;
  scaledWidth: number;
}

/**
 * Matterport resize_image(mode="square") + mold_image, simplified (the real
 * preprocessing lives with the adapter): bilinear half-pixel resize, rounded to
 * integers like the uint8 original, zero padding, minus the mean pixel.
 */
export function moldSquare(
  rgb: Uint8Array,
  width: number,
  height: number,
  mean: readonly number[],
  minDim = 800,
  maxDim = 1024,
): Molded {
  let scale = max(1, minDim / min(height, width));
  if (round(max(height, width) * scale) > maxDim) scale = maxDim / max(height, width);
  const sh = round(height * scale);
  const sw = round(width * scale);
  const top = floor((maxDim - sh) / 2);
  const left = floor((maxDim - sw) / 2);
  const data = new Float32Array(maxDim * maxDim * 3);
  for (let p = 0; p < maxDim * maxDim * 3; p += 3) {
    data[p] = -mean[0];
    data[p + 1] = -mean[1];
    data[p + 2] = -mean[2];
  }
  // Half-pixel source coordinates per output row/column, clamped at the edges.
  const axis = (n: number, source: number) => {
    const lo = new Int32Array(n);
    const hi = new Int32Array(n);
    const t = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const at = min(max((i + 0.5) / scale - 0.5, 0), source - 1);
      lo[i] = floor(at);
      hi[i] = min(lo[i] + 1, source - 1);
      t[i] = at - lo[i];
    }
    return { lo, hi, t };
  };
  const ys = axis(sh, height);
  const xs = axis(sw, width);
  for (let y = 0; y < sh; y++) {
    const r0 = ys.lo[y] * width;
    const r1 = ys.hi[y] * width;
    const fy = ys.t[y];
    const out = ((y + top) * maxDim + left) * 3;
    for (let x = 0; x < sw; x++) {
      const fx = xs.t[x];
      const a = (r0 + xs.lo[x]) * 3;
      const b = (r0 + xs.hi[x]) * 3;
      const c = (r1 + xs.lo[x]) * 3;
      const d = (r1 + xs.hi[x]) * 3;
      for (let k = 0; k < 3; k++) {
        const v =
          (rgb[a + k] * (1 - fx) + rgb[b + k] * fx) * (1 - fy) +
          (rgb[c + k] * (1 - fx) + rgb[d + k] * fx) * fy;
        data[out + x * 3 + k] = round(v) - mean[k];
      }
    }
  }
  return { data, size: maxDim, scale, top, left, scaledHeight: sh, scaledWidth: sw };
}

export { maskIou as iou } from '@maskops/demo-model';
