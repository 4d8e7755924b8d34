import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { ErrorCode } from '../../src/errors';
import type { StorageLike } from '../../src/model/model-source';
import { fetchGcsModel, gcsCacheDir, parseModelPath } from '../../src/model/model-source';

describe('parseModelPath', () => {
  it('resolves local paths', () => {
    expect(parseModelPath('models/x')).toEqual({
      kind: 'local',
      path: join(process.cwd(), 'models/x'),
    });
  });

  it.each([
    ['gs://bucket', { bucket: 'bucket', prefix: '' }],
    ['gs://my-bucket/models/shapes', { bucket: 'my-bucket', prefix: 'models/shapes/' }],
    ['gs://my-bucket/models/shapes/', { bucket: 'my-bucket', prefix: 'models/shapes/' }],
    [
      'gs://my.bucket/models/shapes/model.json',
      { bucket: 'my.bucket', prefix: 'models/shapes/', file: 'model.json' },
    ],
    ['gs://b12/saved_model.pb', { bucket: 'b12', prefix: '', file: 'saved_model.pb' }],
  ])('parses %s', (url, expected) => {
    expect(parseModelPath(url)).toEqual({ kind: 'gcs', url, ...expected });
  });

  it.each(['gs://', 'gs://Bad_Bucket/x', 'gs:///x'])('refuses %s', (url) => {
    expect(() => parseModelPath(url)).toThrow(
      expect.objectContaining({ code: ErrorCode.MODEL_INVALID }),
    );
  });
});

/** A Cloud Storage stand-in over a map of object name → content; counts requests. */
function storageOf(objects: Record<string, string>, failOn?: string) {
  const calls = { list: 0, download: 0 };
  const storage: StorageLike = {
    bucket: () => ({
      getFiles: ({ prefix }) => {
        calls.list++;
        return Promise.resolve([
          Object.keys(objects)
            .filter((name) => name.startsWith(prefix))
            .map((name) => ({
              name,
              download: ({ destination }: { destination: string }) => {
                calls.download++;
                if (name === failOn) return Promise.reject(new Error('connection reset'));
                mkdirSync(dirname(destination), { recursive: true });
                writeFileSync(destination, objects[name]);
                return Promise.resolve();
              },
            })),
        ]);
      },
    }),
  };
  return { storage, calls };
}

describe('fetchGcsModel', () => {
  const objects = {
    'models/shapes/model.json': '{"a":1}',
    'models/shapes/group1-shard1of1.bin': 'weights',
    'models/shapes/extra/labels.txt': 'cat',
    'models/shapes2/model.json': 'another model',
    'models/shapes/../../escape': 'nope',
  };

  it('downloads the prefix once, then serves it from the cache without listing', async () => {
    const cacheRoot = mkdtempSync(join(tmpdir(), 'maskops-cache-'));
    const location = parseModelPath('gs://bkt/models/shapes/model.json');
    if (location.kind !== 'gcs') throw new Error('expected gcs');
    const first = storageOf(objects);
    const path = await fetchGcsModel(location, { cacheRoot, storage: first.storage });
    expect(path).toBe(join(gcsCacheDir(location, cacheRoot), 'model.json'));
    expect(readFileSync(path, 'utf8')).toBe('{"a":1}');
    expect(readFileSync(join(dirname(path), 'extra', 'labels.txt'), 'utf8')).toBe('cat');
    // Not the sibling prefix, not a name that climbs out of the cache.
    expect(existsSync(join(dirname(cacheRoot), 'escape'))).toBe(false);
    expect(readdirSync(dirname(path)).sort()).toEqual(
      ['.maskops-complete.json', 'extra', 'group1-shard1of1.bin', 'model.json'].sort(),
    );

    const second = storageOf({});
    await expect(fetchGcsModel(location, { cacheRoot, storage: second.storage })).resolves.toBe(
      path,
    );
    expect(second.calls).toEqual({ list: 0, download: 0 });
  });

  it('leaves nothing behind when a download fails, so the next start retries', async () => {
    const cacheRoot = mkdtempSync(join(tmpdir(), 'maskops-cache-'));
    const location = parseModelPath('gs://bkt/models/shapes');
    if (location.kind !== 'gcs') throw new Error('expected gcs');
    const failing = storageOf(objects, 'models/shapes/group1-shard1of1.bin');
    await expect(
      fetchGcsModel(location, { cacheRoot, storage: failing.storage }),
    ).rejects.toMatchObject({
      code: ErrorCode.MODEL_NOT_FOUND,
    });
    expect(readdirSync(cacheRoot)).toEqual([]);
    const retry = storageOf(objects);
    await fetchGcsModel(location, { cacheRoot, storage: retry.storage });
    expect(retry.calls.list).toBe(1);
  });

  it('fails with MODEL_NOT_FOUND for an empty prefix', async () => {
    const cacheRoot = mkdtempSync(join(tmpdir(), 'maskops-cache-'));
    const location = parseModelPath('gs://bkt/nothing-here');
    if (location.kind !== 'gcs') throw new Error('expected gcs');
    await expect(
      fetchGcsModel(location, { cacheRoot, storage: storageOf(objects).storage }),
    ).rejects.toMatchObject({
      code: ErrorCode.MODEL_NOT_FOUND,
      message: expect.stringContaining('no objects under gs://bkt/nothing-here/'),
    });
  });
});
