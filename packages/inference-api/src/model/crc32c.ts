import { createReadStream } from 'node:fs';

/**
 * CRC32C (Castagnoli), the checksum Cloud Storage keeps for every object: a
 * pinned model's objects are checked against the values its manifest recorded.
 */
const TABLE = (() => {
  const table = new Uint32Array(256);
  for (let i = 0; i < 256; i++) {
    let c = i;
    for (let bit = 0; bit < 8; bit++) c = c & 1 ? (c >>> 1) ^ 0x82f63b78 : c >>> 1;
    table[i] = c >>> 0;
  }
  return table;
})();

/** Feeds `data` into a running CRC (start with 0); returns the CRC of everything fed. */
export function crc32cUpdate(crc: number, data: Uint8Array): number {
  let c = ~crc >>> 0;
  for (let i = 0; i < data.length; i++) c = TABLE[(c ^ data[i]) & 0xff] ^ (c >>> 8);
  return ~c >>> 0;
}

/** As Cloud Storage reports it: base64 of the 4 big-endian bytes. */
export function crc32cBase64(crc: number): string {
  const out = Buffer.alloc(4);
  out.writeUInt32BE(crc >>> 0);
  return out.toString('base64');
}

/** CRC32C (base64) and size of a file, read as a stream (model shards can be hundreds of MB). */
export async function fileCrc32c(path: string): Promise<{ crc32c: string; size: number }> {
  let crc = 0;
  let size = 0;
  for await (const chunk of createReadStream(path) as AsyncIterable<Buffer>) {
    crc = crc32cUpdate(crc, chunk);
    size += chunk.length;
  }
  return { crc32c: crc32cBase64(crc), size };
}
