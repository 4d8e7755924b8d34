import { execFileSync, spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BuildStatus } from '@maskops/shared';
import { removeAll } from '../src/container/docker';
import { describeWithStepImages } from './helpers/docker-engine';

jest.setTimeout(180_000);

// The built CLI, as people run it (turbo builds before testing).
const CLI = join(__dirname, '../dist/cloud-build-cli.js');

/*
 * A repository of its own, with a cloudbuild.yaml of the same shape as the real one but
 * seconds long: gcloud fetches the model, the docker step bakes it into an image, the
 * image is pushed. (The suite also runs in exported trees that have no git history.)
 */
const CONFIG = `substitutions:
  _IMAGE: 127.0.0.1:5000/unused
  _MODEL_URI: ''
steps:
  - id: fetch-model
    name: gcr.io/google.com/cloudsdktool/cloud-sdk:slim
    entrypoint: bash
    args: ['-euo', 'pipefail', '-c', 'mkdir -p model && gcloud storage cp -r "\${_MODEL_URI}/*" model/']
  - id: image
    name: gcr.io/cloud-builders/docker
    args: ['build', '--tag=\${_IMAGE}:\${SHORT_SHA}', '.']
images: ['\${_IMAGE}:\${SHORT_SHA}']
`;
const DOCKERFILE = 'FROM node:24-bookworm-slim\nCOPY model/ /model/\n';

let repo: string;
let model: string;
beforeAll(() => {
  repo = mkdtempSync(join(tmpdir(), 'cloud-build-cli-'));
  writeFileSync(join(repo, 'cloudbuild.yaml'), CONFIG);
  writeFileSync(join(repo, 'Dockerfile'), DOCKERFILE);
  const git = (...args: string[]) =>
    execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args], {
      cwd: repo,
      stdio: 'ignore',
    });
  git('init', '--quiet', '--initial-branch=main');
  git('add', '.');
  git('commit', '--quiet', '--message=config');
  model = join(mkdtempSync(join(tmpdir(), 'cloud-build-cli-model-')), 'tiny');
  mkdirSync(join(model, 'weights'), { recursive: true });
  writeFileSync(join(model, 'model.json'), '{}');
  writeFileSync(join(model, 'weights', 'shard.bin'), 'w');
});
afterAll(() => {
  rmSync(repo, { recursive: true, force: true });
  rmSync(join(model, '..'), { recursive: true, force: true });
});

function run(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [CLI, '--repo-root', repo, ...args]);
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString('utf8')));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
  return new Promise((resolve) =>
    child.on('close', (status) => resolve({ status, stdout, stderr })),
  );
}

describe('cloud-build CLI usage', () => {
  test('a bad substitution is a usage error', async () => {
    const r = await run(['--substitution', 'NOPE']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^--substitution must be _KEY=VALUE, got "NOPE"\nusage: cloud-build /);
  });
});

describeWithStepImages('cloud-build CLI', () => {
  test('builds a commit with its own stand-ins and prints the Build resource', async () => {
    const r = await run(['--commit', 'main', '--model', model, '--build-id', 'b-cli']);
    const build = JSON.parse(r.stdout || '{}') as {
      status?: string;
      substitutions?: Record<string, string>;
      results?: { images: Array<{ name: string; digest: string }> };
    };
    const images = build.results?.images ?? [];
    await removeAll({ images: images.map((i) => i.name) });
    expect(r.stderr).toContain('model');
    // A failed build shows the steps' own output: what failed, and why.
    const failed = build.status === BuildStatus.SUCCESS ? '' : r.stderr.slice(-4000);
    expect({ status: build.status, failed }).toEqual({ status: BuildStatus.SUCCESS, failed: '' });
    expect(r.status).toBe(0);
    expect(build.substitutions?._MODEL_URI).toBe('gs://maskops-local-models/tiny');
    expect(build.substitutions?.BRANCH_NAME).toBe('main');
    expect(images).toEqual([
      {
        name: expect.stringMatching(/^127\.0\.0\.1:\d+\/maskops\/inference-api:[0-9a-f]{7}$/),
        digest: expect.stringMatching(/^sha256:[0-9a-f]{64}$/),
        pushTiming: expect.any(Object),
      },
    ]);
    expect(r.stderr).toMatch(
      /^\[fetch-model\] Copying gs:\/\/maskops-local-models\/tiny\/weights\/shard\.bin/m,
    );
  });
});
