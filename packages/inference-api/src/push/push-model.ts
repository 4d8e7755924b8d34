import { join } from 'node:path';
import type { Storage } from '@google-cloud/storage';
import {
  describeError,
  formatModelUri,
  MODEL_MANIFEST_NAME,
  MODEL_MANIFEST_VERSION,
  parseModelManifest,
  type ManifestAdapter,
  type ManifestObject,
  type PublishedModelManifest,
} from '@maskops/shared';
import {
  DEFAULT_MAX_INPUT_SIDE,
  DEFAULT_MAX_INSTANCES,
  DEFAULT_MAX_OVERLAY_SIDE,
} from '../images/limits';
import { ModelHost } from '../inference/model-host';
import type { ModelAdapter } from '../inference/types';
import { fileCrc32c } from '../model/crc32c';
import { localModelFiles } from './model-files';
import { pushModelInvalid, pushUploadFailed, pushUsage } from './push-error';

/** `gs://BUCKET/PREFIX/NAME`, split. */
export interface PushTarget {
  bucket: string;
  /** `PREFIX/NAME`: the folder the model's objects and its manifest go to. */
  folder: string;
  name: string;
}

export function parsePushTarget(target: string): PushTarget {
  const m = /^gs:\/\/([a-z0-9][a-z0-9._-]{1,220}[a-z0-9])\/(.+?)\/*$/.exec(target);
  const folder = m?.[2] ?? '';
  if (
    !m ||
    folder.includes('#') ||
    folder.split('/').some((s) => s === '' || s === '.' || s === '..') ||
    folder.endsWith(MODEL_MANIFEST_NAME)
  ) {
    throw pushUsage(`TARGET ${target} is not gs://BUCKET/PREFIX/NAME (NAME: the model's folder)`);
  }
  return { bucket: m[1], folder, name: folder.slice(folder.lastIndexOf('/') + 1) };
}

export interface PushOptions {
  modelPath: string;
  target: PushTarget;
  /** --adapter; detected as the server detects it when unset. */
  adapter?: ModelAdapter;
  storage: Storage;
  /** One line of progress (stderr). */
  progress: (line: string) => void;
}

export interface PushResult {
  uri: string;
  manifest: PublishedModelManifest;
}

/**
 * Opens the model with the server's own loader and adapters (a warm-up included),
 * uploads every file, checks each answer's CRC32C against the local file, then
 * writes the manifest last: its OBJECT_FINALIZE is what starts a model rollout,
 * so a push that fails before it publishes nothing.
 */
export async function pushModel(options: PushOptions): Promise<PushResult> {
  const { target, progress } = options;
  const local = await localModelFiles(options.modelPath);
  const adapter = await openModel(local.entry, options.adapter);
  progress(`opened ${local.entry}: adapter ${adapter}, ${local.files.length} file(s) to upload`);

  const bucket = options.storage.bucket(target.bucket);
  // Through an endpoint override (STORAGE_EMULATOR_HOST) the library's resumable
  // uploads drop the credentials (its write stream does not pass
  // useAuthWithCustomEndpoint on): one multipart request per object there.
  const resumable = !options.storage.customEndpoint;
  const objects: ManifestObject[] = [];
  for (const name of local.files) {
    const path = join(local.dir, ...name.split('/'));
    const expected = await fileCrc32c(path);
    const destination = `${target.folder}/${name}`;
    let metadata;
    try {
      [{ metadata }] = await bucket.upload(path, { destination, resumable });
    } catch (err) {
      throw pushUploadFailed(
        `gs://${target.bucket}/${destination}: the upload failed: ${describeError(err)}`,
        err,
      );
    }
    const object: ManifestObject = {
      name,
      generation: String(metadata.generation),
      crc32c: String(metadata.crc32c),
      size: Number(metadata.size),
    };
    if (object.crc32c !== expected.crc32c || object.size !== expected.size) {
      throw pushUploadFailed(
        `gs://${target.bucket}/${destination}#${object.generation} holds CRC32C ${object.crc32c} (${object.size} bytes), not the file's ${expected.crc32c} (${expected.size} bytes)`,
      );
    }
    objects.push(object);
    progress(`uploaded ${destination}#${object.generation} (${object.size} bytes)`);
  }

  const manifest = parseModelManifest({
    version: MODEL_MANIFEST_VERSION,
    name: target.name,
    adapter,
    objects,
    pushedAt: new Date().toISOString(),
  });
  const object = `${target.folder}/${MODEL_MANIFEST_NAME}`;
  const file = bucket.file(object);
  try {
    await file.save(`${JSON.stringify(manifest, null, 2)}\n`, {
      resumable: false,
      contentType: 'application/json',
    });
  } catch (err) {
    throw pushUploadFailed(
      `gs://${target.bucket}/${object}: the manifest write failed: ${describeError(err)}`,
      err,
    );
  }
  const uri = formatModelUri({
    bucket: target.bucket,
    object,
    generation: String(file.metadata.generation),
  });
  progress(`published ${uri}`);
  return { uri, manifest };
}

/** The adapter the server would use, after a real load and warm-up; PUSH_MODEL_INVALID otherwise. */
async function openModel(entry: string, adapter?: ModelAdapter): Promise<ManifestAdapter> {
  let host: ModelHost;
  try {
    // The server's defaults (one thread: the check runs once, on the pusher's machine).
    host = await ModelHost.start({
      modelPath: entry,
      modelAdapter: adapter,
      modelLabels: undefined,
      modelCacheDir: undefined,
      tfjsBackend: undefined,
      ortIntraOpThreads: 1,
      maxImagePixels: 40_000_000,
      maxInputSide: DEFAULT_MAX_INPUT_SIDE,
      maxOverlaySide: DEFAULT_MAX_OVERLAY_SIDE,
      maxInstances: DEFAULT_MAX_INSTANCES,
    });
  } catch (err) {
    throw pushModelInvalid(
      `${entry} does not open: ${err instanceof Error ? err.message : String(err)}`,
      err,
    );
  }
  const opened = host.info.adapter;
  host.dispose();
  return opened;
}
