import {
  formatModelUri,
  modelGenerationLabel,
  parseModelManifest,
  parseModelUri,
} from '../src/model-manifest';
import { MaskopsError } from '../src/errors';

const good = {
  version: 1,
  name: 'shapes',
  adapter: 'torchvision',
  pushedAt: '2026-12-07T18:00:00Z',
  objects: [{ name: 'model.onnx', generation: '1733600000000001', crc32c: 'AAAAAA==', size: 10 }],
};

describe('parseModelManifest', () => {
  it('accepts a manifest of one object', () => {
    expect(parseModelManifest(good)).toEqual(good);
  });

  const bad: Array<[string, unknown, RegExp]> = [
    ['not an object', [], /JSON object/],
    ['another version', { ...good, version: 2 }, /version must be 1/],
    ['an unknown adapter', { ...good, adapter: 'yolo' }, /adapter must be one of/],
    ['no objects', { ...good, objects: [] }, /at least one object/],
    ['a bad time', { ...good, pushedAt: 'yesterday' }, /pushedAt/],
    ...['../x', '/abs', 'a//b', 'maskops-model.json', ''].map((name): [string, unknown, RegExp] => [
      `object name ${JSON.stringify(name)}`,
      { ...good, objects: [{ ...good.objects[0], name }] },
      /objects\[0\]\.name/,
    ]),
    [
      'a number generation',
      { ...good, objects: [{ ...good.objects[0], generation: 17 }] },
      /generation/,
    ],
    ['a hex crc', { ...good, objects: [{ ...good.objects[0], crc32c: 'deadbeef' }] }, /crc32c/],
    ['a negative size', { ...good, objects: [{ ...good.objects[0], size: -1 }] }, /size/],
    ['a name twice', { ...good, objects: [good.objects[0], good.objects[0]] }, /twice/],
  ];
  it.each(bad)('refuses %s with MODEL_MANIFEST_INVALID', (_what, value, message) => {
    let thrown: unknown;
    try {
      parseModelManifest(value);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(MaskopsError);
    expect((thrown as MaskopsError).code).toBe('MODEL_MANIFEST_INVALID');
    expect((thrown as MaskopsError).message).toMatch(message);
  });
});

describe('model URIs', () => {
  const uri = 'gs://models-b/maskops/shapes/maskops-model.json#1733600000000001';

  it('splits and formats a pinned manifest URI', () => {
    const parsed = parseModelUri(uri);
    expect(parsed).toEqual({
      bucket: 'models-b',
      object: 'maskops/shapes/maskops-model.json',
      generation: '1733600000000001',
    });
    expect(formatModelUri(parsed!)).toBe(uri);
  });

  it.each([
    'gs://models-b/maskops/shapes/maskops-model.json',
    'gs://models-b/maskops/shapes/model.json#17',
    'gs://models-b/maskops/shapes/not-maskops-model.json#17',
    '/models/shapes',
    'gs://models-b/maskops/shapes/maskops-model.json#0',
  ])('%s is not a pinned manifest', (path) => {
    expect(parseModelUri(path)).toBeUndefined();
    expect(modelGenerationLabel(path)).toBe('');
  });

  it('labels metrics with the pinned generation', () => {
    expect(modelGenerationLabel(uri)).toBe('1733600000000001');
  });
});
