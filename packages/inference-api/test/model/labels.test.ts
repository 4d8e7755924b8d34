import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ErrorCode } from '../../src/errors';
import { labelOf, parseLabels, readManifest, resolveLabels } from '../../src/model/labels';

const dir = mkdtempSync(join(tmpdir(), 'maskops-labels-'));
const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

describe('parseLabels', () => {
  it('reads a JSON id → name object', () => {
    expect(parseLabels('{"1":"cat","3":"dog"}', 'x')).toEqual(
      new Map([
        [1, 'cat'],
        [3, 'dog'],
      ]),
    );
  });

  it('reads a JSON array indexed by id and a maskops.json-shaped object', () => {
    expect(parseLabels('["BG","cat"]', 'x').get(1)).toBe('cat');
    expect(parseLabels('{"name":"m","labels":{"2":"dog"}}', 'x')).toEqual(new Map([[2, 'dog']]));
  });

  it('reads a pbtxt label map, preferring display_name', () => {
    const pbtxt = `
      item {
        name: "/m/01g317"
        id: 1
        display_name: "person"
      }
      item { id: 2 name: 'bicycle' }
    `;
    expect(parseLabels(pbtxt, 'x')).toEqual(
      new Map([
        [1, 'person'],
        [2, 'bicycle'],
      ]),
    );
  });

  it('reads text one name per line, 1-based unless the first line is the background', () => {
    expect(parseLabels('cat\n\ndog\r\n', 'x')).toEqual(
      new Map([
        [1, 'cat'],
        [2, 'dog'],
      ]),
    );
    expect(parseLabels('BG\ncat\ndog', 'x').get(2)).toBe('dog');
  });

  it.each([
    ['broken JSON', '{"1": '],
    ['a non-numeric id', '{"one":"cat"}'],
    ['a non-string name', '{"1": 5}'],
    ['an item without a name', 'item { id: 1 }'],
    ['nothing', '   \n '],
  ])('refuses %s with MODEL_INVALID naming the source', (_name, text) => {
    expect(() => parseLabels(text, 'MODEL_LABELS file /x/labels')).toThrow(
      expect.objectContaining({
        code: ErrorCode.MODEL_INVALID,
        message: expect.stringContaining('MODEL_LABELS file /x/labels'),
      }),
    );
  });
});

describe('resolveLabels', () => {
  const manifest = { name: 'shapes', demo: true, labels: { '1': 'square', '2': 'circle' } };

  it('uses the built-in 90-id COCO map for tf-od-api models without labels', async () => {
    const set = await resolveLabels({ adapter: 'tf-od-api' });
    expect(set.source).toBe('coco');
    expect(set.classCount).toBe(80);
    expect(set.labels).toHaveLength(91);
    expect([set.labels[1], set.labels[90], set.labels[12], set.labels[0]]).toEqual([
      'person',
      'toothbrush',
      'class 12',
      'background',
    ]);
  });

  it("uses Matterport's 81-class COCO list for matterport models without labels", async () => {
    const set = await resolveLabels({ adapter: 'matterport' });
    expect(set.source).toBe('matterport-coco');
    expect(set.labels).toHaveLength(81);
    expect([set.labels[0], set.labels[1], set.labels[80]]).toEqual(['BG', 'person', 'toothbrush']);
  });

  it('prefers maskops.json over the built-in labels', async () => {
    const set = await resolveLabels({ adapter: 'tf-od-api', manifest });
    expect(set).toEqual({
      labels: ['background', 'square', 'circle'],
      classCount: 2,
      source: 'maskops.json',
    });
  });

  it('prefers MODEL_LABELS over maskops.json', async () => {
    const labelsPath = file('labels.txt', 'apple\nbanana\ncherry\n');
    const set = await resolveLabels({ adapter: 'tf-od-api', manifest, labelsPath });
    expect(set.source).toBe('MODEL_LABELS');
    expect(set.labels).toEqual(['background', 'apple', 'banana', 'cherry']);
  });

  it('fails with MODEL_NOT_FOUND when MODEL_LABELS does not exist', async () => {
    await expect(
      resolveLabels({ adapter: 'tf-od-api', labelsPath: join(dir, 'missing.txt') }),
    ).rejects.toMatchObject({ code: ErrorCode.MODEL_NOT_FOUND });
  });

  it('labels ids beyond the list', () => {
    expect(labelOf(['background', 'a'], 7)).toBe('class 7');
  });
});

describe('readManifest', () => {
  it('is undefined without maskops.json and checks its fields when present', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'maskops-manifest-'));
    await expect(readManifest(empty)).resolves.toBeUndefined();
    writeFileSync(join(empty, 'maskops.json'), '{"name": 3}');
    await expect(readManifest(empty)).rejects.toMatchObject({
      code: ErrorCode.MODEL_INVALID,
      message: expect.stringContaining('"name" must be a string'),
    });
    writeFileSync(join(empty, 'maskops.json'), '{"maxInputSide": 0}');
    await expect(readManifest(empty)).rejects.toMatchObject({
      code: ErrorCode.MODEL_INVALID,
      message: expect.stringContaining('"maxInputSide" must be an integer ≥ 1'),
    });
    writeFileSync(join(empty, 'maskops.json'), '{"maxInputSide": 640}');
    await expect(readManifest(empty)).resolves.toMatchObject({ maxInputSide: 640 });
    writeFileSync(join(empty, 'maskops.json'), 'not json');
    await expect(readManifest(empty)).rejects.toMatchObject({ code: ErrorCode.MODEL_INVALID });
  });
});
