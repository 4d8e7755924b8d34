import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MODEL_MANIFEST_NAME, parseModelManifest, parseModelUri } from '@maskops/shared';
import { startModelBucket, type ModelBucket } from '../helpers/model-bucket';
import { startServer, type ServerProcess } from '../main/server-process';

/*
 * `maskops-model push` as a user runs it (node dist/push/cli.js), against
 * localcloud's Cloud Storage stand-in over HTTP; the pinned URI it prints is then
 * served by the real server process.
 */
jest.setTimeout(120_000);

const CLI = join(__dirname, '..', '..', 'dist', 'push', 'cli.js');
const MODELS = join(__dirname, '..', '..', 'models');

let b: ModelBucket;
const scratch = mkdtempSync(join(tmpdir(), 'maskops-push-'));
const running: ServerProcess[] = [];

beforeAll(async () => {
  b = await startModelBucket();
});
afterAll(async () => {
  for (const s of running) if (s.child.exitCode === null) s.child.kill('SIGKILL');
  await b.close();
  rmSync(scratch, { recursive: true, force: true });
});

function push(...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [CLI, ...args], {
    // HOME: no gcloud credentials of this machine; the metadata stand-in gives the token.
    env: { PATH: process.env.PATH ?? '', HOME: scratch, ...b.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve) => child.once('close', (code) => resolve({ code, stdout, stderr })));
}

async function readManifest(uri: string) {
  const pinned = parseModelUri(uri);
  if (!pinned) throw new Error(`not a pinned URI: ${uri}`);
  const [data] = await b.storage
    .bucket(pinned.bucket)
    .file(pinned.object, { generation: pinned.generation })
    .download();
  return parseModelManifest(JSON.parse(data.toString('utf8')));
}

/** Objects written under a folder (every generation). */
function uploadsUnder(folder: string): string[] {
  return b.google.requests
    .filter((r) => r.method === 'POST' && r.path.startsWith('/upload/'))
    .map((r) => decodeURIComponent(new URLSearchParams(r.query).get('name') ?? ''))
    .filter((n) => n.startsWith(`${folder}/`));
}

it('pushes a TF.js folder, manifest last, and the server serves the printed URI', async () => {
  const r = await push('push', join(MODELS, 'shapes-tf-od-api'), 'gs://models/prod/shapes');
  expect(r.stderr).toContain('maskops-model: opened');
  expect(r.code).toBe(0);
  const uri = r.stdout.trim();
  expect(uri).toMatch(/^gs:\/\/models\/prod\/shapes\/maskops-model\.json#\d+$/);
  expect(r.stdout.split('\n')).toHaveLength(2);
  expect(uploadsUnder('prod/shapes').at(-1)).toBe(`prod/shapes/${MODEL_MANIFEST_NAME}`);
  const manifest = await readManifest(uri);
  expect(manifest).toMatchObject({ name: 'shapes', adapter: 'tf-od-api' });
  expect(manifest.objects.map((o) => o.name)).toEqual([
    'model.json',
    'group1-shard1of1.bin',
    'maskops.json',
  ]);

  const s = await startServer({
    ...b.env,
    MODEL_PATH: uri,
    MODEL_CACHE_DIR: join(scratch, 'cache'),
    TFJS_BACKEND: 'wasm',
  });
  running.push(s);
  await s.waitFor((l) => l['message'] === 'model loaded and warmed: ready');
  expect((await fetch(`${s.url}/readyz`)).status).toBe(200);
  const info = (await (await fetch(`${s.url}/v1/info`)).json()) as { model: { adapter: string } };
  expect(info.model.adapter).toBe('tf-od-api');
  s.child.kill('SIGTERM');
  expect(await s.exited).toEqual({ code: 0, signal: null });
});

it('pushes a single .onnx file, with the adapter confirmed', async () => {
  const r = await push(
    'push',
    join(MODELS, 'shapes-torchvision', 'model.onnx'),
    'gs://models/prod/tv/',
    '--adapter',
    'torchvision',
  );
  expect(r.code).toBe(0);
  const manifest = await readManifest(r.stdout.trim());
  expect(manifest.adapter).toBe('torchvision');
  expect(manifest.objects.map((o) => o.name)).toEqual(['model.onnx', 'maskops.json']);
});

it('refuses a model that does not open (exit 3), uploading nothing', async () => {
  const bad = join(scratch, 'bad');
  rmSync(bad, { recursive: true, force: true });
  mkdirSync(bad);
  writeFileSync(join(bad, 'model.onnx'), 'not an onnx graph');
  const r = await push('push', bad, 'gs://models/prod/bad');
  expect(r.code).toBe(3);
  expect(r.stdout).toBe('');
  expect(r.stderr).toContain('PUSH_MODEL_INVALID');
  expect(r.stderr).toContain('does not open');
  expect(uploadsUnder('prod/bad')).toEqual([]);
});

it('refuses an adapter the model does not fit (exit 3)', async () => {
  const r = await push(
    'push',
    join(MODELS, 'shapes-tf-od-api'),
    'gs://models/prod/x',
    '--adapter',
    'matterport',
  );
  expect(r.code).toBe(3);
  expect(uploadsUnder('prod/x')).toEqual([]);
});

it.each([
  [['push', join(MODELS, 'shapes-tf-od-api')]],
  [['push', join(MODELS, 'shapes-tf-od-api'), 'gs://models']],
  [['push', join(MODELS, 'shapes-tf-od-api'), 's3://models/x']],
  [['push', join(MODELS, 'shapes-tf-od-api'), 'gs://models/x', '--adapter', 'yolo']],
  [['publish', join(MODELS, 'shapes-tf-od-api'), 'gs://models/x']],
  [['push', join(scratch, 'absent'), 'gs://models/x']],
])('exits 2 with the usage for %j', async (args) => {
  const r = await push(...args);
  expect(r.code).toBe(2);
  expect(r.stderr).toContain('usage: maskops-model push');
  expect(r.stdout).toBe('');
});

it('exits 1 when an upload fails (no such bucket), publishing nothing', async () => {
  const r = await push('push', join(MODELS, 'shapes-tf-od-api'), 'gs://no-such-bucket/m/shapes');
  expect(r.code).toBe(1);
  expect(r.stderr).toContain('PUSH_UPLOAD_FAILED');
  expect(r.stderr).toContain('gs://no-such-bucket/m/shapes/model.json: the upload failed');
  expect(r.stdout).toBe('');
});
