import { readFileSync } from 'node:fs';
import type { Storage } from '@google-cloud/storage';
import { startGoogleApis, startMetadataServer } from '@maskops/localcloud';
import type { GoogleApisServer, MetadataServer } from '@maskops/localcloud';
import {
  MODEL_MANIFEST_NAME,
  MODEL_MANIFEST_VERSION,
  type ManifestAdapter,
  type ManifestObject,
} from '@maskops/shared';
import { createStorage } from '../../src/model/storage-client';

/**
 * localcloud's Cloud Storage stand-in over real HTTP, reached by the real client
 * the way a pod reaches Cloud Storage (STORAGE_EMULATOR_HOST, a token from the
 * metadata server), with one versioned bucket.
 */
export interface ModelBucket {
  google: GoogleApisServer;
  metadata: MetadataServer;
  storage: Storage;
  bucket: string;
  /** Env a server process needs to reach the stand-in. */
  env: Record<string, string>;
  /** Uploads one object; its generation, CRC32C and size as the upload answered. */
  put(name: string, data: Buffer | string): Promise<ManifestObject & { object: string }>;
  /** Writes `PREFIX/maskops-model.json` listing `objects`; returns its generation. */
  publish(prefix: string, adapter: ManifestAdapter, objects: ManifestObject[]): Promise<string>;
  close(): Promise<void>;
}

export async function startModelBucket(bucket = 'models'): Promise<ModelBucket> {
  const google = await startGoogleApis();
  const metadata = await startMetadataServer();
  // google-auth-library finds the metadata stand-in through this (as in a pod on GKE).
  process.env.GCE_METADATA_HOST = metadata.host;
  const env = { STORAGE_EMULATOR_HOST: google.url, GCE_METADATA_HOST: metadata.host };
  const storage = await createStorage(env);
  const created = await fetch(`${google.url}/storage/v1/b?project=p`, {
    method: 'POST',
    headers: { authorization: 'Bearer t', 'content-type': 'application/json' },
    body: JSON.stringify({ name: bucket, versioning: { enabled: true } }),
  });
  if (created.status !== 200) throw new Error(`bucket not created: ${created.status}`);

  const put: ModelBucket['put'] = async (name, data) => {
    const file = storage.bucket(bucket).file(name);
    await file.save(typeof data === 'string' ? Buffer.from(data) : data, { resumable: false });
    const { generation, crc32c, size } = file.metadata;
    return {
      object: name,
      name: name.slice(name.lastIndexOf('/') + 1),
      generation: String(generation),
      crc32c: String(crc32c),
      size: Number(size),
    };
  };
  return {
    google,
    metadata,
    storage,
    bucket,
    env,
    put,
    async publish(prefix, adapter, objects) {
      const manifest = {
        version: MODEL_MANIFEST_VERSION,
        name: prefix.slice(prefix.lastIndexOf('/') + 1),
        adapter,
        objects,
        pushedAt: new Date().toISOString(),
      };
      return (await put(`${prefix}/${MODEL_MANIFEST_NAME}`, JSON.stringify(manifest))).generation;
    },
    async close() {
      await google.close();
      await metadata.close();
    },
  };
}

/** Uploads the named files of a local folder under `prefix`; the manifest entries. */
export async function putFolder(
  b: ModelBucket,
  dir: string,
  prefix: string,
  files: string[],
): Promise<ManifestObject[]> {
  const out: ManifestObject[] = [];
  for (const f of files) {
    const { object: _object, ...entry } = await b.put(
      `${prefix}/${f}`,
      readFileSync(`${dir}/${f}`),
    );
    out.push(entry);
  }
  return out;
}
