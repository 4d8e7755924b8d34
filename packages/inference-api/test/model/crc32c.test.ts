import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { crc32cBase64, crc32cUpdate, fileCrc32c } from '../../src/model/crc32c';

describe('crc32c', () => {
  it('matches the Castagnoli check value and Cloud Storage encoding', () => {
    expect(crc32cUpdate(0, Buffer.from('123456789'))).toBe(0xe3069283);
    expect(crc32cBase64(0xe3069283)).toBe('4waSgw==');
    expect(crc32cBase64(crc32cUpdate(0, Buffer.alloc(0)))).toBe('AAAAAA==');
  });

  it('gives the same value fed in pieces', () => {
    const data = Buffer.from('the quick brown fox jumps over the lazy dog');
    const whole = crc32cUpdate(0, data);
    expect(crc32cUpdate(crc32cUpdate(0, data.subarray(0, 7)), data.subarray(7))).toBe(whole);
  });

  it('hashes a file larger than one read chunk', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'maskops-crc-'));
    try {
      const data = Buffer.alloc(300_000, 7);
      writeFileSync(join(dir, 'f'), data);
      expect(await fileCrc32c(join(dir, 'f'))).toEqual({
        crc32c: crc32cBase64(crc32cUpdate(0, data)),
        size: 300_000,
      });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
