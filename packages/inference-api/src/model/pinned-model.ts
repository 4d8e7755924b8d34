import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join, posix } from 'node:path';
import type { Storage } from '@google-cloud/storage';
import { describeError, parseModelManifest, type PublishedModelManifest } from '@maskops/shared';
import type { WorkerLogger } from '../logging/worker-log';
import type { InferenceApiError } from '../errors';
import { modelChecksumMismatch, modelManifestInvalid, modelNotFound } from '../errors';
import { fileCrc32c } from './crc32c';
import { COMPLETE_MARKER, defaultCacheRoot, type ModelLocation } from './model-source';
import { createStorage } from './storage-client';

type ManifestLocation = Extract<ModelLocation, { kind: 'manifest' }>;

export interface PinnedModel {
  /** The local path that replaces MODEL_PATH: the model file in the cache directory. */
  path: string;
  manifest: PublishedModelManifest;
  /** The manifest generation that was read (the pinned one, or the live one when unpinned). */
  generation: string;
}

/**
 * Loads a published model exactly as pinned: the manifest at its generation, then
 * every object it lists at the generation it lists, each checked against its CRC32C
 * and size. Anything else (a missing generation, another checksum, a manifest that
 * does not parse) fails the load: the pod never becomes ready and the rollout that
 * set MODEL_PATH is rolled back. A complete download is cached per manifest
 * generation, so a restart does not download it again.
 */
export async function fetchPinnedModel(
  location: ManifestLocation,
  options: { cacheRoot?: string; storage?: Storage; logger?: WorkerLogger } = {},
): Promise<PinnedModel> {
  const storage = options.storage ?? (await createStorage());
  const generation = location.generation ?? (await liveGeneration(storage, location));
  const manifestUrl = `gs://${location.bucket}/${location.object}#${generation}`;
  const dir = join(
    options.cacheRoot ?? defaultCacheRoot(),
    createHash('sha256').update(manifestUrl).digest('hex').slice(0, 16),
  );
  const cached = await cachedManifest(dir);
  if (cached) {
    options.logger?.info('model found in cache', { modelPath: manifestUrl, cacheDir: dir });
    return { path: join(dir, modelEntry(cached, manifestUrl)), manifest: cached, generation };
  }

  const started = Date.now();
  const manifest = checkedManifest(
    await download(storage, location.bucket, location.object, generation),
    manifestUrl,
  );
  const entry = modelEntry(manifest, manifestUrl);
  const folder = posix.dirname(location.object) === '.' ? '' : posix.dirname(location.object);
  const partial = `${dir}.partial-${process.pid}-${Date.now()}`;
  let bytes = 0;
  try {
    for (const object of manifest.objects) {
      const name = folder === '' ? object.name : `${folder}/${object.name}`;
      // parseModelManifest refused names with '..' or a leading '/': this stays inside.
      const destination = join(partial, ...object.name.split('/'));
      await mkdir(dirname(destination), { recursive: true });
      await downloadTo(storage, location.bucket, name, object.generation, destination);
      const actual = await fileCrc32c(destination);
      const at = `gs://${location.bucket}/${name}#${object.generation}`;
      if (actual.crc32c !== object.crc32c || actual.size !== object.size) {
        throw modelChecksumMismatch(
          `MODEL_PATH ${manifestUrl}: ${at} is not the object the manifest lists ` +
            `(CRC32C ${actual.crc32c}, ${actual.size} bytes; listed ${object.crc32c}, ${object.size} bytes)`,
          {
            object: name,
            generation: object.generation,
            expected: object.crc32c,
            actual: actual.crc32c,
          },
        );
      }
      bytes += actual.size;
    }
    await writeFile(join(partial, COMPLETE_MARKER), JSON.stringify({ url: manifestUrl, manifest }));
    await mkdir(dirname(dir), { recursive: true });
    await settle(partial, dir);
  } catch (err) {
    await rm(partial, { recursive: true, force: true });
    throw err;
  }
  options.logger?.info('model downloaded', {
    modelPath: manifestUrl,
    model: manifest.name,
    objects: manifest.objects.length,
    bytes,
    cacheDir: dir,
    downloadMs: Date.now() - started,
  });
  return { path: join(dir, entry), manifest, generation };
}

/** The file the loader opens: `model.json`, or the one `.onnx` of a single-file model. */
function modelEntry(manifest: PublishedModelManifest, manifestUrl: string): string {
  const names = manifest.objects.map((o) => o.name);
  if (names.includes('model.json')) return 'model.json';
  const onnx = names.filter((n) => n.endsWith('.onnx'));
  if (onnx.length === 1) return onnx[0];
  throw modelManifestInvalid(
    `MODEL_PATH ${manifestUrl}: the manifest lists no model.json and not exactly one .onnx file`,
  );
}

function checkedManifest(data: Buffer, manifestUrl: string): PublishedModelManifest {
  try {
    return parseModelManifest(JSON.parse(data.toString('utf8')));
  } catch (err) {
    throw modelManifestInvalid(`MODEL_PATH ${manifestUrl}: ${describeError(err)}`, { cause: err });
  }
}

/** The manifest of a complete cached download, or undefined (absent, partial, unreadable). */
async function cachedManifest(dir: string): Promise<PublishedModelManifest | undefined> {
  try {
    const marker = JSON.parse(await readFile(join(dir, COMPLETE_MARKER), 'utf8')) as {
      manifest?: unknown;
    };
    return parseModelManifest(marker.manifest);
  } catch {
    return undefined;
  }
}

/** HTTP status of a Cloud Storage client error, if it carries one. */
function statusOf(err: unknown): number | undefined {
  const code = (err as { code?: unknown } | undefined)?.code;
  return typeof code === 'number' ? code : undefined;
}

/** An unpinned manifest path (MODEL_REQUIRE_GENERATION off): pinned to the live generation now. */
async function liveGeneration(storage: Storage, location: ManifestLocation): Promise<string> {
  try {
    const [metadata] = await storage.bucket(location.bucket).file(location.object).getMetadata();
    return String(metadata.generation);
  } catch (err) {
    throw notDownloaded(`gs://${location.bucket}/${location.object}`, location.url, err);
  }
}

/** One object at one generation: its bytes, or written to `destination`. */
async function download(
  storage: Storage,
  bucket: string,
  name: string,
  generation: string,
): Promise<Buffer> {
  const file = storage.bucket(bucket).file(name, { generation });
  try {
    return (await file.download())[0];
  } catch (err) {
    throw notDownloaded(`gs://${bucket}/${name}#${generation}`, `gs://${bucket}/${name}`, err);
  }
}

async function downloadTo(
  storage: Storage,
  bucket: string,
  name: string,
  generation: string,
  destination: string,
): Promise<void> {
  const file = storage.bucket(bucket).file(name, { generation });
  try {
    await file.download({ destination });
  } catch (err) {
    throw notDownloaded(`gs://${bucket}/${name}#${generation}`, `gs://${bucket}/${name}`, err);
  }
}

function notDownloaded(at: string, url: string, err: unknown): InferenceApiError {
  if (statusOf(err) === 404) {
    return modelNotFound(
      `${at} does not exist (deleted, or overwritten in a bucket without object versioning)`,
      { cause: err, details: { object: url } },
    );
  }
  return modelNotFound(`${at} could not be downloaded: ${describeError(err)}`, {
    cause: err,
    details: { object: url },
  });
}

/**
 * Moves a verified download into place. Workers (INFERENCE_WORKERS) load at once:
 * a complete copy already there is kept (never deleted under a worker reading it).
 */
async function settle(partial: string, dir: string): Promise<void> {
  if ((await cachedManifest(dir)) === undefined) {
    await rm(dir, { recursive: true, force: true });
    try {
      await rename(partial, dir);
      return;
    } catch (err) {
      // Another worker's rename won (a non-empty target): use its copy.
      if ((await cachedManifest(dir)) === undefined) throw err;
    }
  }
  await rm(partial, { recursive: true, force: true });
}
