/**
 * The local Cloud Build against this repository at its HEAD commit: export, offline
 * install, turbo build, image. One HEAD build is shared by the file; the end-to-end
 * case rebuilds the same commit with the same build id through the CLI, which is also
 * the reproducibility check. Needs the workspace built (turbo does that).
 */
import { execFile, execFileSync } from 'node:child_process';
import {
  existsSync,
  mkdtempSync,
  readFileSync,
  realpathSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { startLocalCloud, type FunctionProcess, type LocalCloud } from '@maskops/localcloud';
import {
  LocalBuildErrorCode,
  runLocalCloudBuild,
  type LocalCloudBuildResult,
} from '../src/local-cloud-build';
import { startDeployerOverCloud } from './helpers/deployer-over-cloud';
import { REPO_ROOT } from './helpers/repo-root';

jest.setTimeout(300_000);

const CLI = join(__dirname, '..', 'dist', 'local-build-cli.js');
const REPOSITORY = 'localhost:5000/maskops/inference-api';
const TIMESTAMP = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/;
const run = promisify(execFile);

const temps: string[] = [];
function tempDir(prefix: string): string {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  temps.push(dir);
  return dir;
}

/** A repository whose build step fails, for the FAILURE path without a slow real build. */
function brokenRepo(extraScripts: Record<string, string> = {}): string {
  const dir = tempDir('maskops-broken-repo-');
  const scripts = {
    build: 'echo compiling; echo broken-step-output >&2; exit 3',
    ...extraScripts,
  };
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name: 'broken', scripts }) + '\n');
  const git = (...args: string[]): string =>
    execFileSync('git', args, { cwd: dir, encoding: 'utf8' }).trim();
  git('init', '-q');
  git('add', 'package.json');
  git('-c', 'user.email=t@example.com', '-c', 'user.name=t', 'commit', '-qm', 'broken build');
  return dir;
}

/** The fields of the Cloud Build `Build` resource these tests read. */
type BuildResource = {
  id: string;
  status: string;
  images?: string[];
  results?: { images: Array<{ name: string; digest: string }> };
  substitutions: Record<string, string>;
  steps: Array<{ id: string; status: string; timing: { startTime: string; endTime: string } }>;
  failureInfo?: { detail: string };
  createTime: string;
  startTime: string;
  finishTime: string;
};

afterAll(() => {
  for (const dir of temps) rmSync(dir, { recursive: true, force: true });
});

it('reports FAILURE with the failed step and its last output lines, and no image', async () => {
  const repo = brokenRepo();
  const lines: string[] = [];
  const r = await runLocalCloudBuild({
    repoRoot: repo,
    repository: REPOSITORY,
    workDir: join(repo, '.localcloud', 'b'),
    log: (l) => lines.push(l),
  });
  const b = r.build as BuildResource;
  expect(r.status).toBe('FAILURE');
  expect(b.status).toBe('FAILURE');
  expect(r.image).toBeUndefined();
  expect(b.results).toBeUndefined();
  expect(b.substitutions.BRANCH_NAME).toMatch(/^(main|master)$/);
  expect(b.steps.map((s) => s.status)).toEqual(['SUCCESS', 'FAILURE']);
  expect(b.failureInfo?.detail).toMatch(/step 1 "build" failed: .*non-zero status: 3/);
  expect(r.logTail).toContain('broken-step-output');
  expect(lines.join('\n')).toMatch(/step build: FAILED \(exit 3\)[\s\S]*\| broken-step-output/);
  expect(readFileSync(r.logFile, 'utf8')).toContain('broken-step-output');
});

it('hands user substitutions to the steps as env without the underscore, and records them', async () => {
  const repo = brokenRepo({ build: 'echo behaviour=$DEMO_MODEL_BEHAVIOUR; exit 3' });
  const r = await runLocalCloudBuild({
    repoRoot: repo,
    repository: REPOSITORY,
    workDir: join(repo, '.localcloud', 'b'),
    substitutions: { _DEMO_MODEL_BEHAVIOUR: 'empty' },
    log: () => undefined,
  });
  expect(r.logTail).toContain('behaviour=empty');
  expect((r.build as { substitutions: Record<string, string> }).substitutions).toMatchObject({
    _DEMO_MODEL_BEHAVIOUR: 'empty',
    REPO_NAME: 'maskops',
  });
  await expect(
    runLocalCloudBuild({
      repoRoot: repo,
      repository: REPOSITORY,
      workDir: join(repo, '.localcloud', 'c'),
      substitutions: { DEMO_MODEL_BEHAVIOUR: 'empty' },
    }),
  ).rejects.toMatchObject({ code: LocalBuildErrorCode.BAD_SUBSTITUTION });
});

it('runs the tests first with runTests, and a failing test step stops the build', async () => {
  const repo = brokenRepo({ test: 'echo failing-test-output; exit 1' });
  const r = await runLocalCloudBuild({
    repoRoot: repo,
    runTests: true,
    repository: REPOSITORY,
    workDir: join(repo, '.localcloud', 'b'),
    log: () => undefined,
  });
  const steps = (r.build as { steps: Array<{ id: string; status: string }> }).steps;
  expect(steps.map((s) => [s.id, s.status])).toEqual([
    ['install', 'SUCCESS'],
    ['test', 'FAILURE'],
    ['build', 'QUEUED'],
  ]);
  expect(r.logTail).toContain('failing-test-output');
  expect(readFileSync(r.logFile, 'utf8')).not.toContain('broken-step-output');
});

/*
 * Building this repository needs its git history: inside an exported tree (this suite
 * run by `pnpm test` of a local Cloud Build with runTests) there is none of its own.
 */
const inOwnCheckout = ((): boolean => {
  try {
    const top = execFileSync('git', ['rev-parse', '--show-toplevel'], {
      cwd: REPO_ROOT,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
    return realpathSync(top) === realpathSync(REPO_ROOT);
  } catch {
    return false;
  }
})();

(inOwnCheckout ? describe : describe.skip)('this repository at HEAD', () => {
  // Other work may commit to this repository meanwhile: pin the commit once.
  const HEAD = !inOwnCheckout
    ? ''
    : execFileSync('git', ['rev-parse', 'HEAD'], {
        cwd: REPO_ROOT,
        encoding: 'utf8',
      }).trim();
  const BUILD_ID = `test-build-${process.pid}`;
  let head: LocalCloudBuildResult;
  const headLog: string[] = [];

  beforeAll(async () => {
    head = await runLocalCloudBuild({
      repoRoot: REPO_ROOT,
      commit: HEAD,
      repository: REPOSITORY,
      workDir: join(tempDir('maskops-local-build-'), 'build'),
      buildId: BUILD_ID,
      log: (l) => headLog.push(l),
    });
  });

  it('builds the commit into an image and reports a SUCCESS Build resource', () => {
    const b = head.build as BuildResource;
    expect(head.status).toBe('SUCCESS');
    expect(b.status).toBe('SUCCESS');
    expect(b.id).toBe(BUILD_ID);
    expect(b.substitutions).toEqual({
      COMMIT_SHA: HEAD,
      SHORT_SHA: HEAD.slice(0, 7),
      BRANCH_NAME: 'HEAD', // a plain sha names no branch
      REPO_NAME: 'maskops',
    });
    const digest = head.image?.digest;
    expect(digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(b.images).toEqual([`${REPOSITORY}:${HEAD.slice(0, 7)}`]);
    expect(b.results).toEqual({ images: [{ name: `${REPOSITORY}:${HEAD.slice(0, 7)}`, digest }] });
    for (const t of [b.createTime, b.startTime, b.finishTime]) expect(t).toMatch(TIMESTAMP);
    expect(b.steps.map((s) => [s.id, s.status])).toEqual([
      ['install', 'SUCCESS'],
      ['build', 'SUCCESS'],
    ]);
    for (const s of b.steps) expect(s.timing.endTime >= s.timing.startTime).toBe(true);

    const dir = head.image!.dir;
    expect(dir.startsWith(join(head.sourceDir, 'packages', 'inference-api'))).toBe(true);
    expect(existsSync(join(dir, 'dist', 'main.js'))).toBe(true);
    expect(existsSync(join(dir, 'models', 'shapes-tf-od-api', 'model.json'))).toBe(true);
    expect(JSON.parse(readFileSync(join(dir, 'image-env.json'), 'utf8'))).toEqual({
      MASKOPS_BUILD_ID: BUILD_ID,
      MASKOPS_COMMIT_SHA: HEAD,
    });
    // The tree is the commit's, exported: git metadata does not come along.
    expect(existsSync(join(head.sourceDir, '.git'))).toBe(false);
    // One progress line at the start and at the end of each step.
    expect(headLog.filter((l) => / step install: /.test(l))).toHaveLength(2);
    expect(headLog.some((l) => / step build: done in [\d.]+ s/.test(l))).toBe(true);
    expect(readFileSync(head.logFile, 'utf8')).toMatch(/=== pnpm build/);
  });

  it('names a revision that is not a commit', async () => {
    await expect(
      runLocalCloudBuild({
        repoRoot: REPO_ROOT,
        commit: 'no-such-ref-xyz',
        repository: REPOSITORY,
      }),
    ).rejects.toMatchObject({
      code: LocalBuildErrorCode.BAD_REVISION,
      message: expect.stringContaining('"no-such-ref-xyz" is not a commit'),
    });
    await expect(
      runLocalCloudBuild({ repoRoot: REPO_ROOT, commit: '--all', repository: REPOSITORY }),
    ).rejects.toMatchObject({ code: LocalBuildErrorCode.BAD_REVISION });
  });

  describe('local-build-cli with --function-url', () => {
    let cloud: LocalCloud;
    let fn: FunctionProcess;
    const previous = `${REPOSITORY}:previous`;
    const image = (): string =>
      cloud.kube.getDeployment('maskops', 'inference-api')!.spec.template.spec.containers[0].image;

    beforeAll(async () => {
      cloud = await startLocalCloud({ project: 'maskops-local' });
      fn = await startDeployerOverCloud(cloud, previous, REPOSITORY);
    });
    afterAll(async () => {
      await fn?.stop();
      await cloud?.close();
    });

    it('acknowledges a FAILURE build and deploys nothing; the CLI exits 1', async () => {
      const repo = brokenRepo();
      const err = await run(process.execPath, [
        CLI,
        '--repo-root',
        repo,
        '--work-dir',
        join(repo, '.localcloud', 'b'),
        '--repository',
        REPOSITORY,
        '--function-url',
        fn.url,
      ]).catch((e: { code: number; stdout: string }) => e);
      expect(err).toMatchObject({ code: 1 });
      expect((err as { stdout: string }).stdout).toMatch(/ FAILURE commit [0-9a-f]{40} /);
      expect((err as { stdout: string }).stdout).toMatch(/delivered to .*: HTTP 2\d\d/);
      expect(image()).toBe(previous);
    });

    it('builds the same commit to the same digest and the function deploys it', async () => {
      const { stdout } = await run(process.execPath, [
        CLI,
        '--commit',
        HEAD,
        '--build-id',
        BUILD_ID,
        '--work-dir',
        join(tempDir('maskops-cli-build-'), 'build'),
        '--repository',
        REPOSITORY,
        '--function-url',
        fn.url,
        '--topic',
        'projects/maskops-local/topics/cloud-builds',
      ]);
      expect(stdout).toMatch(/ SUCCESS commit /);
      expect(stdout).toMatch(/delivered to .*: HTTP 2\d\d/);
      const digest = /image \S+ (sha256:[0-9a-f]{64})/.exec(stdout)?.[1];
      // Reproducible: same commit, same build id → same content, same digest.
      expect(digest).toBe(head.image?.digest);
      expect(image()).toBe(`${REPOSITORY}@${digest}`);
    });

    it('exits 2 on usage errors', async () => {
      const err = await run(process.execPath, [CLI, '--topic', 'cloud-builds']).catch(
        (e: { code: number; stderr: string }) => e,
      );
      expect(err).toMatchObject({ code: 2, stderr: expect.stringContaining('--topic must look') });
    });
  });
});
