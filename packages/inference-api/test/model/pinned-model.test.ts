import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatModelUri, ManifestAdapter, MODEL_MANIFEST_NAME } from '@maskops/shared';
import { ErrorCode } from '../../src/errors';
import type { Backend } from '../../src/inference/types';
import { selectBackend } from '../../src/model/backend';
import type { LoadedModel, LoadModelOptions } from '../../src/model/load-model';
import { loadModel } from '../../src/model/load-model';
import { parseModelPath } from '../../src/model/model-source';
import { putFolder, startModelBucket, type ModelBucket } from '../helpers/model-bucket';

/*
 * MODEL_PATH gs://B/…/maskops-model.json#GENERATION through the real Cloud Storage
 * client and localcloud's stand-in over HTTP: exactly the listed generations, each
 * object's CRC32C checked, the manifest's adapter matched.
 */
jest.setTimeout(60_000);

const MODELS = join(__dirname, '..', '..', 'models');
const TF_OD_API = join(MODELS, 'shapes-tf-od-api');
const TF_FILES = ['model.json', 'group1-shard1of1.bin', 'maskops.json'];
const ONNX = join(MODELS, 'shapes-torchvision', 'model.onnx');

let b: ModelBucket;
let backend: Backend;
const roots: string[] = [];
const opened: LoadedModel[] = [];

beforeAll(async () => {
  b = await startModelBucket();
  backend = await selectBackend('wasm');
});
afterAll(async () => {
  opened.forEach((l) => l.model.dispose());
  await b.close();
  for (const r of roots) rmSync(r, { recursive: true, force: true });
});

function cacheDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'maskops-pinned-'));
  roots.push(dir);
  return dir;
}

function uri(prefix: string, generation: string): string {
  return formatModelUri({
    bucket: b.bucket,
    object: `${prefix}/${MODEL_MANIFEST_NAME}`,
    generation,
  });
}

async function load(options: Omit<LoadModelOptions, 'backend' | 'pinnedStorage'>) {
  const loaded = await loadModel({ backend, pinnedStorage: b.storage, ...options });
  opened.push(loaded);
  return loaded;
}

/** The object names a test read, in order. */
function reads(from: number): string[] {
  return b.google.requests
    .slice(from)
    .filter((r) => r.method === 'GET' && r.path.startsWith('/storage/v1/b/'))
    .map((r) => `${decodeURIComponent(r.path.replace(/^.*\/o\//, ''))}${r.query}`);
}

describe('parseModelPath: published manifests', () => {
  it.each([
    [
      'gs://models/m/shapes/maskops-model.json#12',
      { object: 'm/shapes/maskops-model.json', generation: '12' },
    ],
    ['gs://models/maskops-model.json', { object: 'maskops-model.json' }],
  ])('parses %s', (url, expected) => {
    expect(parseModelPath(url)).toEqual({ kind: 'manifest', url, bucket: 'models', ...expected });
  });

  it.each([
    'gs://models/m/model.json#12',
    'gs://models/m/maskops-model.json#012',
    'gs://models/m/maskops-model.json#x',
  ])('refuses a generation anywhere else: %s', (url) => {
    expect(() => parseModelPath(url)).toThrow(
      expect.objectContaining({ code: ErrorCode.MODEL_INVALID }),
    );
  });
});

describe('a pinned TF.js model', () => {
  let generation: string;
  let firstShard: string;

  beforeAll(async () => {
    const objects = await putFolder(b, TF_OD_API, 'm/shapes', TF_FILES);
    firstShard = objects[1].generation;
    generation = await b.publish('m/shapes', ManifestAdapter.TF_OD_API, objects);
  });

  it('loads exactly the listed generations, then from the cache without a request', async () => {
    const root = cacheDir();
    const from = b.google.requests.length;
    const { info } = await load({ modelPath: uri('m/shapes', generation), modelCacheDir: root });
    expect(info).toMatchObject({ name: 'maskops-shapes-demo-tf-od-api', adapter: 'tf-od-api' });
    expect(reads(from)).toEqual([
      `m/shapes/maskops-model.json?alt=media&generation=${generation}`,
      expect.stringMatching(/^m\/shapes\/model\.json\?alt=media&generation=\d+$/),
      `m/shapes/group1-shard1of1.bin?alt=media&generation=${firstShard}`,
      expect.stringMatching(/^m\/shapes\/maskops\.json\?alt=media&generation=\d+$/),
    ]);

    // A newer shard in the bucket changes nothing: the manifest pins the old one.
    await b.put('m/shapes/group1-shard1of1.bin', 'retrained weights');
    const again = b.google.requests.length;
    await load({ modelPath: uri('m/shapes', generation), modelCacheDir: root });
    expect(reads(again)).toEqual([]);
    const fresh = await load({ modelPath: uri('m/shapes', generation), modelCacheDir: cacheDir() });
    expect(fresh.info.adapter).toBe('tf-od-api');
  });

  it('an unpinned manifest path reads the live generation once, then pins it', async () => {
    const from = b.google.requests.length;
    await load({
      modelPath: `gs://${b.bucket}/m/shapes/${MODEL_MANIFEST_NAME}`,
      modelCacheDir: cacheDir(),
    });
    expect(reads(from).slice(0, 2)).toEqual([
      'm/shapes/maskops-model.json',
      `m/shapes/maskops-model.json?alt=media&generation=${generation}`,
    ]);
  });

  it('refuses an adapter other than the published one (MODEL_ADAPTER)', async () => {
    await expect(
      load({
        modelPath: uri('m/shapes', generation),
        modelCacheDir: cacheDir(),
        modelAdapter: 'matterport',
      }),
    ).rejects.toMatchObject({
      code: ErrorCode.MODEL_ADAPTER_MISMATCH,
      message: expect.stringContaining(
        'published for the tf-od-api adapter, but MODEL_ADAPTER is matterport',
      ),
    });
  });
});

describe('a pinned single .onnx file', () => {
  it('loads the one object under its own name, with the published adapter', async () => {
    const one = await b.put('m/tv/shapes.onnx', readFileSync(ONNX));
    const { object: _object, ...entry } = one;
    const generation = await b.publish('m/tv', ManifestAdapter.TORCHVISION, [entry]);
    const { info, dir } = await load({
      modelPath: uri('m/tv', generation),
      modelCacheDir: cacheDir(),
    });
    expect(info).toMatchObject({ adapter: 'torchvision', runtime: 'onnxruntime', name: 'tv' });
    expect(readFileSync(join(dir, 'shapes.onnx')).equals(readFileSync(ONNX))).toBe(true);
  });

  it('refuses a model published for another adapter', async () => {
    const { object: _object, ...entry } = await b.put('m/tv2/model.onnx', readFileSync(ONNX));
    const generation = await b.publish('m/tv2', ManifestAdapter.TF_OD_API, [entry]);
    await expect(
      load({ modelPath: uri('m/tv2', generation), modelCacheDir: cacheDir() }),
    ).rejects.toMatchObject({ code: ErrorCode.MODEL_ADAPTER_MISMATCH });
  });
});

describe('a pinned model that cannot be trusted never loads', () => {
  it('an object whose content is not the listed CRC32C', async () => {
    const objects = await putFolder(b, TF_OD_API, 'm/corrupt', TF_FILES);
    // The shard at its listed generation holds other bytes than the manifest records.
    const shard = await b.put('m/corrupt/group1-shard1of1.bin', 'not the weights');
    objects[1] = { ...objects[1], generation: shard.generation };
    const generation = await b.publish('m/corrupt', ManifestAdapter.TF_OD_API, objects);
    const root = cacheDir();
    await expect(
      load({ modelPath: uri('m/corrupt', generation), modelCacheDir: root }),
    ).rejects.toMatchObject({
      code: ErrorCode.MODEL_CHECKSUM_MISMATCH,
      message: expect.stringContaining(
        `gs://models/m/corrupt/group1-shard1of1.bin#${shard.generation} is not the object the manifest lists`,
      ),
      details: {
        object: 'm/corrupt/group1-shard1of1.bin',
        expected: objects[1].crc32c,
        actual: shard.crc32c,
      },
    });
  });

  it('an object listed at a generation the bucket does not hold', async () => {
    const objects = await putFolder(b, TF_OD_API, 'm/gen', TF_FILES);
    objects[0] = { ...objects[0], generation: '1' };
    const generation = await b.publish('m/gen', ManifestAdapter.TF_OD_API, objects);
    await expect(
      load({ modelPath: uri('m/gen', generation), modelCacheDir: cacheDir() }),
    ).rejects.toMatchObject({
      code: ErrorCode.MODEL_NOT_FOUND,
      message:
        'gs://models/m/gen/model.json#1 does not exist (deleted, or overwritten in a bucket without object versioning)',
    });
  });

  it('an object never uploaded', async () => {
    const objects = await putFolder(b, TF_OD_API, 'm/missing', ['model.json', 'maskops.json']);
    objects.push({ name: 'group1-shard1of1.bin', generation: '5', crc32c: 'AAAAAA==', size: 5 });
    const generation = await b.publish('m/missing', ManifestAdapter.TF_OD_API, objects);
    const root = cacheDir();
    await expect(
      load({ modelPath: uri('m/missing', generation), modelCacheDir: root }),
    ).rejects.toMatchObject({
      code: ErrorCode.MODEL_NOT_FOUND,
      message: expect.stringContaining(
        'gs://models/m/missing/group1-shard1of1.bin#5 does not exist',
      ),
    });
  });

  it('a manifest generation that does not exist', async () => {
    await expect(
      load({ modelPath: uri('m/shapes', '7'), modelCacheDir: cacheDir() }),
    ).rejects.toMatchObject({
      code: ErrorCode.MODEL_NOT_FOUND,
      message: expect.stringContaining('gs://models/m/shapes/maskops-model.json#7 does not exist'),
    });
  });

  it.each([
    ['not JSON', '{', 'MODEL_PATH'],
    ['another version', JSON.stringify({ version: 2 }), 'version must be 1'],
    [
      'no model file',
      JSON.stringify({
        version: 1,
        name: 'x',
        adapter: 'tf-od-api',
        pushedAt: '2026-01-01T00:00:00Z',
        objects: [{ name: 'labels.txt', generation: '1', crc32c: 'AAAAAA==', size: 0 }],
      }),
      'lists no model.json and not exactly one .onnx file',
    ],
  ])('a manifest that is %s', async (_what, text, message) => {
    const { generation } = await b.put(`m/bad/${MODEL_MANIFEST_NAME}`, text);
    await expect(
      load({ modelPath: uri('m/bad', generation), modelCacheDir: cacheDir() }),
    ).rejects.toMatchObject({
      code: ErrorCode.MODEL_MANIFEST_INVALID,
      message: expect.stringContaining(message),
    });
  });

  it('leaves no partial download in the cache', async () => {
    const root = cacheDir();
    const objects = await putFolder(b, TF_OD_API, 'm/partial', TF_FILES);
    objects[2] = { ...objects[2], crc32c: 'AAAAAA==' };
    const generation = await b.publish('m/partial', ManifestAdapter.TF_OD_API, objects);
    await expect(
      load({ modelPath: uri('m/partial', generation), modelCacheDir: root }),
    ).rejects.toMatchObject({
      code: ErrorCode.MODEL_CHECKSUM_MISMATCH,
    });
    expect(readdirSync(root)).toEqual([]);
  });
});
