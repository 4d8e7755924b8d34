// Post-processing cost of one busy image: 100 instances on 1024×1024.
// Run after `pnpm --filter @maskops/inference-api build`:
//   node bench/postprocess.mjs [runs]
// Prints medians (ms per full set of 100 instances) and ratios; no assertions —
// the machine is shared, so timings are for reading, not for pass/fail.
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
const { pasteBoxMask } = require('../dist/masks/paste-box-mask.js');
const { resizeMaskToBox } = require('../dist/masks/resize-mask.js');
const { encodeMaskRegion, encodeRle } = require('../dist/masks/rle.js');
const { regionToFullMask } = require('../dist/masks/mask-region.js');

const RUNS = Number(process.argv[2] ?? 20);
const H = 1024;
const W = 1024;
const N = 100;

const { seededRandom } = require('@maskops/shared');

/** A sigmoid blob plus noise: runs like a real mask head's output. */
function blobMask(rand, size) {
  const m = new Float32Array(size * size);
  const cy = size * (0.3 + 0.4 * rand());
  const cx = size * (0.3 + 0.4 * rand());
  const r = size * (0.2 + 0.25 * rand());
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const d = Math.hypot(y - cy, x - cx);
      m[y * size + x] = (1 / (1 + Math.exp(d - r))) * 0.9 + rand() * 0.1;
    }
  }
  return m;
}

const rand = seededRandom(20261122);
const instances = Array.from({ length: N }, () => {
  const bh = 30 + Math.floor(rand() * 271);
  const bw = 30 + Math.floor(rand() * 271);
  const y = Math.floor(rand() * (H - bh));
  const x = Math.floor(rand() * (W - bw));
  return {
    box: [y / H, x / W, (y + bh) / H, (x + bw) / W],
    pixelBox: [y, x, y + bh, x + bw],
    mask33: blobMask(rand, 33),
    mask28: blobMask(rand, 28),
  };
});

function median(values) {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

function time(label, runs, fn) {
  fn(); // warm-up: JIT and first allocations out of the measurement
  const samples = [];
  let out;
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    out = fn();
    samples.push(performance.now() - t0);
  }
  const ms = median(samples);
  console.log(`${label.padEnd(58)} ${ms.toFixed(2).padStart(9)} ms  (median of ${runs})`);
  return { ms, out };
}

const regionPath = () =>
  instances.map((i) => encodeMaskRegion(pasteBoxMask(i.mask33, 33, 33, i.box, H, W), H, W));
const fullMaskPath = () =>
  instances.map((i) =>
    encodeRle(regionToFullMask(pasteBoxMask(i.mask33, 33, 33, i.box, H, W), H, W), H, W),
  );
const matterportPath = () =>
  instances.map((i) => {
    const [y1, x1, y2, x2] = i.pixelBox;
    return encodeMaskRegion(resizeMaskToBox(i.mask28, 28, 28, y1, x1, y2, x2, H, W), H, W);
  });

console.log(
  `post-processing ${N} instances on ${W}×${H}, boxes 30–300 px (node ${process.version})`,
);
const region = time('tf-od-api: pasteBoxMask + encodeRleRegion', RUNS, regionPath);
const full = time('tf-od-api: pasteBoxMask + full 1024² mask + encodeRle', RUNS, fullMaskPath);
const mp = time('matterport: resizeMaskToBox + encodeRleRegion', RUNS, matterportPath);
const same = region.out.every((r, k) => r.counts === full.out[k].counts);
console.log(`identical RLE strings from both tf-od-api paths: ${same}`);
console.log(`full-mask path / region path: ${(full.ms / region.ms).toFixed(1)}×`);
console.log(
  `per instance, region path: ${((region.ms / N) * 1000).toFixed(0)} µs; matterport: ${((mp.ms / N) * 1000).toFixed(0)} µs`,
);
if (!same) process.exitCode = 1;
