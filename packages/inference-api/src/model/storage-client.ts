import type * as StorageModule from '@google-cloud/storage';
import type { Storage } from '@google-cloud/storage';

/**
 * The Cloud Storage client for gs:// models and `maskops-model push`.
 *
 * STORAGE_EMULATOR_HOST (`http://HOST:PORT`) points it at a stand-in serving Cloud
 * Storage's own paths (`/storage/v1`, `/upload/storage/v1`). The library takes that
 * variable verbatim as the JSON API's base (no `/storage/v1`) yet adds
 * `/upload/storage/v1` for uploads, so no one value serves both: the base is set
 * here. Requests keep their credentials (application default, the metadata server
 * in a pod): an endpoint override is still an API that wants a token.
 */
export async function createStorage(env: NodeJS.ProcessEnv = process.env): Promise<Storage> {
  // Loaded lazily: most deployments read the model from the image, not from Cloud Storage.
  // (A dynamic import resolves the library's ESM typings; the CommonJS ones are the ones used here.)
  const { Storage } = (await import('@google-cloud/storage')) as unknown as typeof StorageModule;
  const endpoint = env.STORAGE_EMULATOR_HOST?.trim().replace(/\/+$/, '');
  if (!endpoint) return new Storage();
  const storage = new Storage({ apiEndpoint: endpoint, useAuthWithCustomEndpoint: true });
  storage.baseUrl = `${endpoint}/storage/v1`;
  return storage;
}
