import { createHash } from 'node:crypto';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join, posix, relative, resolve, sep } from 'node:path';
import type { WorkerLogger } from '../logging/worker-log';
import { MODEL_MANIFEST_NAME, parseModelUri } from '@maskops/shared';
import { InferenceApiError, modelInvalid, modelNotFound } from '../errors';
import { createStorage } from './storage-client';

/**
 * Where MODEL_PATH points: a local directory/file, a Cloud Storage prefix, or a
 * published model's manifest (`gs://B/…/maskops-model.json`, pinned by `#GENERATION`).
 */
export type ModelLocation =
  | { kind: 'local'; path: string }
  | {
      kind: 'manifest';
      url: string;
      bucket: string;
      /** Object name of the manifest. */
      object: string;
      /** The pinned generation; unset: the manifest's live generation, read at start. */
      generation?: string;
    }
  | {
      kind: 'gcs';
      url: string;
      bucket: string;
      /** Object prefix of the model directory: '' or ending in '/'. */
      prefix: string;
      /** Set when the URL names a file (…/model.json, …/model.onnx) rather than a directory. */
      file?: string;
    };

export function parseModelPath(modelPath: string): ModelLocation {
  if (!modelPath.startsWith('gs://')) return { kind: 'local', path: resolve(modelPath) };
  const pinned = parseModelUri(modelPath);
  if (pinned) return { kind: 'manifest', url: modelPath, ...pinned };
  if (modelPath.includes('#')) {
    throw modelInvalid(
      `MODEL_PATH ${modelPath}: only gs://BUCKET/…/${MODEL_MANIFEST_NAME} takes a #GENERATION (a decimal number)`,
    );
  }
  const match = /^gs:\/\/([a-z0-9][a-z0-9._-]{1,220}[a-z0-9])(?:\/(.*))?$/.exec(modelPath);
  if (!match) {
    throw modelInvalid(`MODEL_PATH ${modelPath} is not a valid gs://bucket/prefix URL`);
  }
  const bucket = match[1];
  let path = (match[2] ?? '').replace(/\/+$/, '');
  let file: string | undefined;
  if (/\.(json|pb|onnx)$/.test(path)) {
    file = posix.basename(path);
    path = posix.dirname(path) === '.' ? '' : posix.dirname(path);
  }
  if (file === MODEL_MANIFEST_NAME) {
    return {
      kind: 'manifest',
      url: modelPath,
      bucket,
      object: `${path}/${file}`.replace(/^\//, ''),
    };
  }
  return {
    kind: 'gcs',
    url: modelPath,
    bucket,
    prefix: path === '' ? '' : path + '/',
    ...(file ? { file } : {}),
  };
}

export function defaultCacheRoot(): string {
  return join(tmpdir(), 'maskops-models');
}

/** One cache directory per URL (directory form), so two models never mix files. */
export function gcsCacheDir(
  location: Extract<ModelLocation, { kind: 'gcs' }>,
  root: string,
): string {
  const key = `gs://${location.bucket}/${location.prefix}`;
  return join(root, createHash('sha256').update(key).digest('hex').slice(0, 16));
}

/** The parts of @google-cloud/storage used here (a structural type, so tests can pass a stand-in). */
export interface StorageLike {
  bucket(name: string): {
    getFiles(query: {
      prefix: string;
    }): Promise<
      [Array<{ name: string; download(options: { destination: string }): Promise<unknown> }>]
    >;
  };
}

export const COMPLETE_MARKER = '.maskops-complete.json';

/**
 * Downloads every object under the prefix into the cache directory once. A
 * download goes to a temporary sibling and is renamed into place with a marker
 * file, so a crash mid-download never leaves a directory that looks complete.
 * Returns the local path that replaces MODEL_PATH (the directory, or the named file in it).
 */
export async function fetchGcsModel(
  location: Extract<ModelLocation, { kind: 'gcs' }>,
  options: { cacheRoot?: string; storage?: StorageLike; logger?: WorkerLogger } = {},
): Promise<string> {
  const dir = gcsCacheDir(location, options.cacheRoot ?? defaultCacheRoot());
  const target = location.file ? join(dir, location.file) : dir;
  if (await isComplete(dir)) {
    options.logger?.info('model found in cache', { modelPath: location.url, cacheDir: dir });
    return target;
  }
  const started = Date.now();
  const storage = options.storage ?? ((await createStorage()) as unknown as StorageLike);
  const partial = `${dir}.partial-${process.pid}-${Date.now()}`;
  try {
    const [files] = await storage.bucket(location.bucket).getFiles({ prefix: location.prefix });
    const objects = files.filter((f) => !f.name.endsWith('/'));
    if (objects.length === 0) {
      throw modelNotFound(
        `MODEL_PATH ${location.url}: no objects under gs://${location.bucket}/${location.prefix}`,
      );
    }
    for (const object of objects) {
      const rel = object.name.slice(location.prefix.length);
      const destination = join(partial, ...rel.split('/'));
      // Object names are remote input: never let one escape the cache directory.
      if (relative(partial, destination).split(sep).includes('..')) continue;
      await mkdir(dirname(destination), { recursive: true });
      await object.download({ destination });
    }
    await writeFile(
      join(partial, COMPLETE_MARKER),
      JSON.stringify({ url: location.url, files: objects.map((o) => o.name) }),
    );
    await mkdir(dirname(dir), { recursive: true });
    await rm(dir, { recursive: true, force: true });
    await rename(partial, dir);
  } catch (err) {
    await rm(partial, { recursive: true, force: true });
    if (err instanceof InferenceApiError) throw err;
    throw modelNotFound(`MODEL_PATH ${location.url} could not be downloaded`, { cause: err });
  }
  options.logger?.info('model downloaded', {
    modelPath: location.url,
    cacheDir: dir,
    downloadMs: Date.now() - started,
  });
  return target;
}

async function isComplete(dir: string): Promise<boolean> {
  try {
    await readFile(join(dir, COMPLETE_MARKER));
    return true;
  } catch {
    return false;
  }
}
