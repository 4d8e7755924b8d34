import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ErrorCode } from '../../src/errors';
import { readManifest } from '../../src/model/manifest';

describe('readManifest', () => {
  const dir = mkdtempSync(join(tmpdir(), 'maskops-manifest-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const write = (text: string) => writeFileSync(join(dir, 'maskops.json'), text);

  it('is undefined without maskops.json and checks its fields when present', async () => {
    await expect(readManifest(dir)).resolves.toBeUndefined();
    write('{"name": 3}');
    await expect(readManifest(dir)).rejects.toMatchObject({
      code: ErrorCode.MODEL_INVALID,
      message: expect.stringContaining('"name" must be a string'),
    });
    write('{"maxInputSide": 0}');
    await expect(readManifest(dir)).rejects.toMatchObject({
      code: ErrorCode.MODEL_INVALID,
      message: expect.stringContaining('"maxInputSide" must be an integer ≥ 1'),
    });
    write('{"maxInputSide": 640}');
    await expect(readManifest(dir)).resolves.toMatchObject({ maxInputSide: 640 });
    write('not json');
    await expect(readManifest(dir)).rejects.toMatchObject({ code: ErrorCode.MODEL_INVALID });
  });

  it('checks its labels as strictly as a labels file, naming the line', async () => {
    write('{\n  "name": "m",\n  "labels": { "1": "ok", "1e21": "huge" }\n}');
    await expect(readManifest(dir)).rejects.toMatchObject({
      code: ErrorCode.LABELS_INVALID,
      message: expect.stringContaining(`${join(dir, 'maskops.json')} line 3:`),
    });
    write('{"labels": {"1": "square"}}');
    await expect(readManifest(dir)).resolves.toMatchObject({ labels: new Map([[1, 'square']]) });
  });
});
