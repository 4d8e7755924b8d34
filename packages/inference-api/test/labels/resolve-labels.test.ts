import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ErrorCode } from '../../src/errors';
import { resolveLabels } from '../../src/labels/resolve-labels';

const dirs: string[] = [];
const modelDir = (files: Record<string, string> = {}): string => {
  const dir = mkdtempSync(join(tmpdir(), 'maskops-labels-'));
  dirs.push(dir);
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  return dir;
};
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

describe('resolveLabels', () => {
  const manifestLabels = new Map([
    [1, 'square'],
    [2, 'circle'],
  ]);

  it('uses the built-in 90-id COCO map when the class count is unknown', async () => {
    const set = await resolveLabels({ adapter: 'tf-od-api', modelDir: modelDir() });
    expect(set).toMatchObject({ source: 'coco', classCount: 80 });
    expect([1, 90, 12].map((id) => set.labels.get(id))).toEqual([
      'person',
      'toothbrush',
      undefined,
    ]);
  });

  it("uses Matterport's COCO list only for an 80-class model, numbers otherwise", async () => {
    const coco = await resolveLabels({
      adapter: 'matterport',
      modelDir: modelDir(),
      modelClassCount: 80,
    });
    expect(coco).toMatchObject({ source: 'coco', classCount: 80 });
    expect(coco.labels.get(80)).toBe('toothbrush');
    const four = await resolveLabels({
      adapter: 'matterport',
      modelDir: modelDir(),
      modelClassCount: 4,
    });
    expect(four).toMatchObject({ source: 'none', classCount: 0 });
    expect(four.labels.size).toBe(0);
  });

  it('prefers labels.txt in the model folder over maskops.json, MODEL_LABELS over both', async () => {
    const dir = modelDir({ 'labels.txt': 'background\nred\ngreen\n' });
    const beside = await resolveLabels({ adapter: 'torchvision', modelDir: dir, manifestLabels });
    expect(beside).toMatchObject({
      source: 'labels.txt',
      path: join(dir, 'labels.txt'),
      classCount: 2,
    });
    expect(beside.labels.get(2)).toBe('green');
    const labelsPath = join(modelDir({ 'mine.txt': 'apple\nbanana\n' }), 'mine.txt');
    const env = await resolveLabels({
      adapter: 'torchvision',
      modelDir: dir,
      labelsPath,
      manifestLabels,
    });
    expect(env).toMatchObject({ source: 'MODEL_LABELS', path: labelsPath });
    expect(env.labels.get(1)).toBe('apple');
    const manifest = await resolveLabels({
      adapter: 'tf-od-api',
      modelDir: modelDir(),
      manifestLabels,
    });
    expect(manifest).toMatchObject({ source: 'maskops.json', classCount: 2 });
  });

  it('stops on a bad labels.txt instead of skipping it', async () => {
    const dir = modelDir({ 'labels.txt': 'ok\nbad\u0000name\n' });
    await expect(resolveLabels({ adapter: 'torchvision', modelDir: dir })).rejects.toMatchObject({
      code: ErrorCode.LABELS_INVALID,
      message: `labels file ${join(dir, 'labels.txt')} line 2: label 2 holds a control character`,
    });
  });

  it('fails with LABELS_INVALID when MODEL_LABELS cannot be read', async () => {
    await expect(
      resolveLabels({
        adapter: 'tf-od-api',
        modelDir: modelDir(),
        labelsPath: '/nonexistent/labels.txt',
      }),
    ).rejects.toMatchObject({ code: ErrorCode.LABELS_INVALID });
  });
});
