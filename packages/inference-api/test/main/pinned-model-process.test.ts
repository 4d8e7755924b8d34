import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { formatModelUri, ManifestAdapter, MODEL_MANIFEST_NAME } from '@maskops/shared';
import { putFolder, startModelBucket, type ModelBucket } from '../helpers/model-bucket';
import { startServer, type ServerProcess } from './server-process';

/*
 * The real process with MODEL_PATH gs://…/maskops-model.json#GENERATION, reaching
 * localcloud's Cloud Storage stand-in through STORAGE_EMULATOR_HOST: ready when
 * every object checks out; one CRITICAL line with a stable code and exit 1 (never
 * ready, so the rollout that set MODEL_PATH is rolled back) when one does not.
 */
jest.setTimeout(90_000);

const TF_OD_API = join(__dirname, '..', '..', 'models', 'shapes-tf-od-api');
const FILES = ['model.json', 'group1-shard1of1.bin', 'maskops.json'];

let b: ModelBucket;
let cache: string;
const running: ServerProcess[] = [];

beforeAll(async () => {
  b = await startModelBucket();
  cache = mkdtempSync(join(tmpdir(), 'maskops-pinned-process-'));
});
afterAll(async () => {
  for (const s of running) if (s.child.exitCode === null) s.child.kill('SIGKILL');
  await b.close();
  rmSync(cache, { recursive: true, force: true });
});

async function start(
  prefix: string,
  generation: string,
  env: Record<string, string> = {},
): Promise<ServerProcess> {
  const s = await startServer({
    ...env,
    ...b.env,
    MODEL_PATH: formatModelUri({
      bucket: b.bucket,
      object: `${prefix}/${MODEL_MANIFEST_NAME}`,
      generation,
    }),
    MODEL_CACHE_DIR: cache,
    TFJS_BACKEND: 'wasm',
  });
  running.push(s);
  return s;
}

it('serves a pinned model once every object checks out (two workers, one cached copy)', async () => {
  const generation = await b.publish(
    'm/good',
    ManifestAdapter.TF_OD_API,
    await putFolder(b, TF_OD_API, 'm/good', FILES),
  );
  const s = await start('m/good', generation, { INFERENCE_WORKERS: '2' });
  await s.waitFor((l) => l['message'] === 'model loaded and warmed: ready');
  expect((await fetch(`${s.url}/readyz`)).status).toBe(200);
  expect(s.lines).toContainEqual(
    expect.objectContaining({ message: 'model downloaded', objects: 3 }),
  );
  s.child.kill('SIGTERM');
  expect(await s.exited).toEqual({ code: 0, signal: null });
});

it('never becomes ready with a corrupt object: one CRITICAL line, exit 1', async () => {
  const objects = await putFolder(b, TF_OD_API, 'm/corrupt', FILES);
  const shard = await b.put('m/corrupt/group1-shard1of1.bin', 'corrupt');
  objects[1] = { ...objects[1], generation: shard.generation };
  const generation = await b.publish('m/corrupt', ManifestAdapter.TF_OD_API, objects);
  const s = await start('m/corrupt', generation);
  expect(await s.exited).toEqual({ code: 1, signal: null });
  const problems = s.lines.filter(
    (l) => l['unparsed'] === true || l['severity'] === 'ERROR' || l['severity'] === 'CRITICAL',
  );
  expect(problems).toEqual([
    expect.objectContaining({
      severity: 'CRITICAL',
      code: 'MODEL_CHECKSUM_MISMATCH',
      object: 'm/corrupt/group1-shard1of1.bin',
      generation: shard.generation,
      message: expect.stringContaining('is not the object the manifest lists'),
    }),
  ]);
});
