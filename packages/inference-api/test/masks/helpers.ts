/** Deterministic test data, so every run sees the same "random" cases. */
export { seededRandom } from '@maskops/shared';

export function randomInt(rand: () => number, min: number, max: number): number {
  return min + Math.floor(rand() * (max - min + 1));
}

/** Row-major 0/1 mask with clustered pixels (long runs) or noise (short runs). */
export function randomMask(rand: () => number, h: number, w: number, density = 0.5): Uint8Array {
  const m = new Uint8Array(h * w);
  const clustered = rand() < 0.5;
  let v = rand() < density ? 1 : 0;
  for (let i = 0; i < m.length; i++) {
    if (!clustered || rand() < 0.1) v = rand() < density ? 1 : 0;
    m[i] = v;
  }
  return m;
}

export function float32FromBase64(b64: string): Float32Array {
  const bytes = Buffer.from(b64, 'base64');
  const out = new Float32Array(bytes.length / 4);
  for (let i = 0; i < out.length; i++) out[i] = bytes.readFloatLE(i * 4);
  return out;
}

/** np.packbits layout (most significant bit first) → one byte per pixel. */
export function unpackBits(b64: string, count: number): Uint8Array {
  const bytes = Buffer.from(b64, 'base64');
  const out = new Uint8Array(count);
  for (let i = 0; i < count; i++) out[i] = (bytes[i >> 3] >> (7 - (i & 7))) & 1;
  return out;
}
