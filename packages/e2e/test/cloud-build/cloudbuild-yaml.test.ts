import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateDemoModels } from '@maskops/demo-model';
import { startGoogleApis, type GoogleApisServer } from '@maskops/localcloud';
import { BuildStatus } from '@maskops/shared';
import { hostCloudSdkDir } from '../../src/cloud-build/cloud-sdk';
import { runCommitBuild } from '../../src/cloud-build/commit-build';
import { docker, removeAll, uniqueName } from '../../src/container/docker';
import { startLocalRegistry, type LocalRegistry } from '../../src/container/local-registry';
import { resolveCommit } from '../../src/local-build-steps';
import { progress } from '../helpers/docker-engine';
import { REPO_ROOT } from '../helpers/repo-root';

/**
 * The repository's own cloudbuild.yaml, every step, run by the local Cloud Build on the
 * committed HEAD: pnpm install and build on node:24-bookworm, the model fetched with the
 * host's gcloud from localcloud's Cloud Storage (`_MODEL_URI=gs://…`), the image built by
 * the docker step and pushed by digest to the local registry. Minutes of CPU and the
 * npm registry, so not part of `pnpm test`: run it with
 * `pnpm --filter @maskops/e2e run test:cloud-build` (sets CLOUD_BUILD_E2E=1; needs the
 * engine, `pnpm images:steps`, docker-registry and gcloud). _RUN_TESTS=false (the suite
 * runs outside), _TFJS_NODE=absent (libtensorflow cannot be downloaded here).
 */
const suite = process.env.CLOUD_BUILD_E2E === '1' ? describe : describe.skip;

jest.setTimeout(45 * 60_000);
const log = progress('cloudbuild.yaml');

const TOKEN = 'cloudbuild-yaml-token';
const BUCKET = 'maskops-models';
const MODEL_PREFIX = 'demo/shapes-torchvision';

suite('cloudbuild.yaml, run by the local Cloud Build', () => {
  let apis: GoogleApisServer;
  let registry: LocalRegistry;
  const dirs: string[] = [];
  const images: string[] = [];

  beforeAll(async () => {
    apis = await startGoogleApis({ token: TOKEN });
    registry = await startLocalRegistry();
  });
  afterAll(async () => {
    await removeAll({ images });
    await registry?.stop();
    await apis?.close();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  const tempDir = (prefix: string): string => {
    const d = mkdtempSync(join(tmpdir(), prefix));
    dirs.push(d);
    return d;
  };

  /** The demo ONNX model, uploaded as `maskops-model push` would lay it out. */
  async function uploadDemoModel(): Promise<string[]> {
    const generated = tempDir('maskops-demo-model-');
    generateDemoModels(generated);
    const call = (path: string, body: string | Buffer, type: string) =>
      fetch(`${apis.url}${path}`, {
        method: 'POST',
        headers: { authorization: `Bearer ${TOKEN}`, 'content-type': type },
        body,
      }).then((r) => expect(r.status).toBe(200));
    await call(
      '/storage/v1/b?project=maskops-local',
      JSON.stringify({ name: BUCKET }),
      'application/json',
    );
    const files = readdirSync(join(generated, 'shapes-torchvision'));
    for (const f of files) {
      const name = encodeURIComponent(`${MODEL_PREFIX}/${f}`);
      const bytes = readFileSync(join(generated, 'shapes-torchvision', f));
      await call(
        `/upload/storage/v1/b/${BUCKET}/o?uploadType=media&name=${name}`,
        bytes,
        'application/octet-stream',
      );
    }
    return files.sort();
  }

  test('every step runs; the image is pushed by digest and results.images names it', async () => {
    const sdkDir = hostCloudSdkDir();
    if (sdkDir === undefined) throw new Error('no gcloud on PATH (google-cloud-cli)');
    const modelFiles = await uploadDemoModel();

    const { sha } = resolveCommit(REPO_ROOT, 'HEAD');
    const buildId = uniqueName('b');
    const repository = `${registry.host}/maskops/inference-api`;
    const tag = `${repository}:build-${buildId}`;
    images.push(tag);
    const started = Date.now();
    const result = await runCommitBuild({
      repoRoot: REPO_ROOT,
      commit: sha,
      buildId,
      projectId: 'maskops-local',
      substitutions: {
        _IMAGE: repository,
        _MODEL_URI: `gs://${BUCKET}/${MODEL_PREFIX}`,
        _RUN_TESTS: 'false',
        _TFJS_NODE: 'absent',
      },
      cloudSdk: { dir: sdkDir, env: (configDir) => apis.gcloudEnv(configDir) },
      log,
    });
    log(`build ${result.status} in ${Math.round((Date.now() - started) / 1000)} s`);
    const build = result.build as {
      status: string;
      statusDetail?: string;
      steps: Array<{ id: string; status: string; timing?: { startTime: string; endTime: string } }>;
      results?: { images: Array<{ name: string; digest: string }> };
      timing?: { BUILD?: object; PUSH?: object };
      finishTime?: string;
      substitutions: Record<string, string>;
    };
    expect(build.statusDetail).toBeUndefined();
    expect(build.status).toBe(BuildStatus.SUCCESS);
    expect(build.steps.map((s) => [s.id, s.status])).toEqual(
      ['install', 'check', 'fetch-model', 'image'].map((id) => [id, BuildStatus.SUCCESS]),
    );
    for (const s of build.steps) log(`${s.id}: ${s.timing?.startTime} → ${s.timing?.endTime}`);
    expect(build.timing?.BUILD).toBeDefined();
    expect(build.timing?.PUSH).toBeDefined();
    expect(build.finishTime).toBeDefined();
    expect(build.substitutions.COMMIT_SHA).toBe(sha);
    expect(build.results?.images).toEqual([
      {
        name: tag,
        digest: expect.stringMatching(/^sha256:[0-9a-f]{64}$/),
        pushTiming: expect.any(Object),
      },
    ]);
    const digest = build.results?.images[0].digest ?? '';
    // Only gcloud's model download reached localcloud, and nothing asked for Google.
    expect(apis.unknownRequests()).toEqual([]);

    // Pullable by digest: gone from the engine, it comes back from the registry.
    const byDigest = `${repository}@${digest}`;
    images.push(byDigest);
    await docker(['image', 'rm', '--force', tag]);
    await docker(['pull', byDigest]);
    const { stdout } = await docker([
      'run',
      '--rm',
      '--network',
      'host',
      '--entrypoint',
      'sh',
      byDigest,
      '-c',
      'ls /app/model && echo "$MASKOPS_BUILD_ID $MASKOPS_COMMIT_SHA"',
    ]);
    expect(stdout.trim().split('\n')).toEqual([...modelFiles, `${buildId} ${sha}`]);
  });
});
