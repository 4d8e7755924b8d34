import { execFileSync, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import {
  createWriteStream,
  existsSync,
  mkdirSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { MaskopsError } from '@maskops/shared';
import { buildLocalImage, type LocalImage } from './image-store';

/**
 * "Cloud Build" on this machine: the committed tree of one commit (never the working
 * tree) is exported into a fresh build directory and goes through the steps of
 * cloudbuild.yaml — install, optionally test, build — then the built inference-api
 * package becomes the image (no Docker here: see image-store.ts). The build dir is kept:
 * it is the image's home, and its node_modules are what the image's pods resolve.
 */
export interface LocalCloudBuildOptions {
  repoRoot: string;
  /** Any git revision; default HEAD. */
  commit?: string;
  /** Run `pnpm test` before `pnpm build` (cloudbuild.yaml's `_RUN_TESTS`). Default false. */
  runTests?: boolean;
  /** Image repository, without tag or digest. */
  repository: string;
  /** The build directory; default `<repoRoot>/.localcloud/builds/<buildId>`. Must be new or empty. */
  workDir?: string;
  log?: (line: string) => void;
  /** Default: a random UUID, as Cloud Build assigns. */
  buildId?: string;
  projectId?: string;
}

export const BuildStatus = { SUCCESS: 'SUCCESS', FAILURE: 'FAILURE' } as const;
export type BuildStatus = (typeof BuildStatus)[keyof typeof BuildStatus];

export interface LocalCloudBuildResult {
  buildId: string;
  status: BuildStatus;
  image?: LocalImage;
  /** The Cloud Build `Build` resource, as the notification carries it. */
  build: Record<string, unknown>;
  /** The exported source tree the steps ran in. */
  sourceDir: string;
  /** Every step's output. */
  logFile: string;
  /** The last lines of the failed step's output (FAILURE only). */
  logTail?: string;
}

export const LocalBuildErrorCode = {
  BAD_REVISION: 'LOCAL_BUILD_BAD_REVISION',
  WORKDIR_NOT_EMPTY: 'LOCAL_BUILD_WORKDIR_NOT_EMPTY',
  EXPORT_FAILED: 'LOCAL_BUILD_EXPORT_FAILED',
  BAD_BUILD_ID: 'LOCAL_BUILD_BAD_BUILD_ID',
} as const;

const TAIL_LINES = 40;

/** RFC 3339 with microseconds, as Cloud Build writes its timestamps. */
export function cloudBuildTimestamp(): string {
  const micros = Math.floor((performance.timeOrigin + performance.now()) * 1000);
  const seconds = new Date(Math.floor(micros / 1000)).toISOString().slice(0, 19);
  return `${seconds}.${String(micros % 1_000_000).padStart(6, '0')}Z`;
}

function git(repoRoot: string, args: string[]): string {
  return execFileSync('git', args, {
    cwd: repoRoot,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  }).trim();
}

function resolveCommit(repoRoot: string, ref: string): { sha: string; branch: string } {
  let sha = '';
  try {
    // A leading '-' would be read as an option by git.
    if (ref.startsWith('-')) throw new Error('not a revision');
    sha = git(repoRoot, ['rev-parse', '--verify', '--quiet', `${ref}^{commit}`]);
  } catch (cause) {
    throw new MaskopsError(
      LocalBuildErrorCode.BAD_REVISION,
      `"${ref}" is not a commit in ${repoRoot}`,
      { cause, details: { ref } },
    );
  }
  let branch = 'HEAD';
  try {
    const full = git(repoRoot, ['rev-parse', '--symbolic-full-name', ref]);
    if (full.startsWith('refs/heads/')) branch = full.slice('refs/heads/'.length);
  } catch {
    // A plain sha or an expression has no branch; Cloud Build leaves BRANCH_NAME empty there.
  }
  return { sha, branch };
}

/** `git archive <sha> | tar -x`: the repository itself is left untouched. */
function exportTree(repoRoot: string, sha: string, dest: string): Promise<void> {
  return new Promise((done, fail) => {
    const archive = spawn('git', ['archive', '--format=tar', sha], {
      cwd: repoRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const tar = spawn('tar', ['-x', '-C', dest], { stdio: ['pipe', 'ignore', 'pipe'] });
    archive.stdout.pipe(tar.stdin);
    let stderr = '';
    archive.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    tar.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    archive.once('error', fail);
    tar.once('error', fail);
    const exited = (child: typeof tar | typeof archive): Promise<number | null> =>
      new Promise((r) => child.once('close', (code) => r(code)));
    void Promise.all([exited(archive), exited(tar)]).then(([a, t]) => {
      if (a === 0 && t === 0) done();
      else
        fail(
          new MaskopsError(
            LocalBuildErrorCode.EXPORT_FAILED,
            `exporting ${sha} failed (git archive ${a}, tar ${t}): ${stderr.trim().slice(0, 500)}`,
          ),
        );
    });
  });
}

/**
 * The env of the steps: this process's, minus what an enclosing pnpm/turbo/jest run
 * leaks into it (npm_config_* would reconfigure the inner pnpm, NODE_ENV=production
 * would skip devDependencies), as Cloud Build starts each step clean.
 */
function stepEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (/^(npm_|TURBO_|PNPM_|JEST_)/i.test(k) || k === 'NODE_ENV' || k === 'INIT_CWD') continue;
    env[k] = v;
  }
  return { ...env, TURBO_TELEMETRY_DISABLED: '1', TURBO_NO_UPDATE_NOTIFIER: '1' };
}

interface StepResult {
  exitCode: number;
  tail: string[];
}

function runStep(cwd: string, args: string[], logFile: string): Promise<StepResult> {
  return new Promise((done) => {
    const out = createWriteStream(logFile, { flags: 'a' });
    out.write(`\n=== pnpm ${args.join(' ')} (${cloudBuildTimestamp()}) ===\n`);
    const tail: string[] = [];
    let partial = '';
    const keep = (chunk: Buffer): void => {
      out.write(chunk);
      const lines = (partial + chunk.toString('utf8')).split('\n');
      partial = lines.pop() ?? '';
      tail.push(...lines);
      if (tail.length > TAIL_LINES) tail.splice(0, tail.length - TAIL_LINES);
    };
    const child = spawn('pnpm', args, { cwd, env: stepEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    const finish = (exitCode: number, extra?: string): void => {
      if (partial) tail.push(partial);
      if (extra) tail.push(extra);
      out.end(extra ? `${extra}\n` : '', () => done({ exitCode, tail: tail.slice(-TAIL_LINES) }));
    };
    child.once('error', (err) => finish(127, `could not run pnpm: ${err.message}`));
    child.once('close', (code, signal) => finish(code ?? (signal ? 128 : 1)));
  });
}

export async function runLocalCloudBuild(
  o: LocalCloudBuildOptions,
): Promise<LocalCloudBuildResult> {
  const log = o.log ?? ((l: string) => process.stdout.write(l + '\n'));
  const repoRoot = resolve(o.repoRoot);
  const buildId = o.buildId ?? randomUUID();
  // It names the build directory.
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/.test(buildId)) {
    throw new MaskopsError(LocalBuildErrorCode.BAD_BUILD_ID, `bad build id "${buildId}"`);
  }
  const createTime = cloudBuildTimestamp();
  const tag = /^[0-9a-f]{8}-/.test(buildId) ? buildId.slice(0, 8) : buildId;
  const ref = o.commit ?? 'HEAD';
  const { sha, branch } = resolveCommit(repoRoot, ref);
  const shortSha = sha.slice(0, 7);

  const workDir = resolve(o.workDir ?? join(repoRoot, '.localcloud', 'builds', buildId));
  if (existsSync(workDir) && readdirSync(workDir).length > 0) {
    throw new MaskopsError(
      LocalBuildErrorCode.WORKDIR_NOT_EMPTY,
      `build directory ${workDir} is not empty`,
    );
  }
  // Cloud Build's /workspace: the source at the commit.
  const sourceDir = join(workDir, 'workspace');
  mkdirSync(sourceDir, { recursive: true });
  const logFile = join(workDir, 'build.log');
  writeFileSync(logFile, `build ${buildId}: ${ref} = ${sha} (${branch})\n`);
  const startTime = cloudBuildTimestamp();
  try {
    await exportTree(repoRoot, sha, sourceDir);
  } catch (err) {
    // Nothing was built: leave no half-exported tree behind.
    rmSync(workDir, { recursive: true, force: true });
    throw err;
  }
  log(`[build ${tag}] ${shortSha} (${branch}) exported to ${sourceDir}`);

  const plan: Array<{ id: string; args: string[] }> = [
    { id: 'install', args: ['install', '--frozen-lockfile', '--offline'] },
    ...(o.runTests ? [{ id: 'test', args: ['test'] }] : []),
    { id: 'build', args: ['build'] },
  ];
  const steps: Array<Record<string, unknown>> = plan.map((p) => ({
    id: p.id,
    name: 'pnpm',
    args: p.args,
    status: 'QUEUED',
  }));
  let status: BuildStatus = BuildStatus.SUCCESS;
  let logTail: string | undefined;
  let failureDetail: string | undefined;
  let image: LocalImage | undefined;

  for (const [i, p] of plan.entries()) {
    const step = steps[i];
    if (status === BuildStatus.FAILURE) continue;
    const begin = cloudBuildTimestamp();
    const t0 = performance.now();
    step.status = 'WORKING';
    log(`[build ${tag}] step ${p.id}: pnpm ${p.args.join(' ')}`);
    const result = await runStep(sourceDir, p.args, logFile);
    const seconds = ((performance.now() - t0) / 1000).toFixed(1);
    step.timing = { startTime: begin, endTime: cloudBuildTimestamp() };
    if (result.exitCode === 0) {
      step.status = 'SUCCESS';
      log(`[build ${tag}] step ${p.id}: done in ${seconds} s`);
      continue;
    }
    step.status = 'FAILURE';
    status = BuildStatus.FAILURE;
    failureDetail = `Build step failure: build step ${i} "${p.id}" failed: step exited with non-zero status: ${result.exitCode}`;
    logTail = result.tail.join('\n');
    log(
      `[build ${tag}] step ${p.id}: FAILED (exit ${result.exitCode}) after ${seconds} s; last lines of ${logFile}:`,
    );
    for (const line of result.tail) log(`  | ${line}`);
  }

  if (status === BuildStatus.SUCCESS) {
    try {
      image = buildLocalImage({
        packageDir: join(sourceDir, 'packages', 'inference-api'),
        repository: o.repository,
        tag: shortSha,
        env: { MASKOPS_BUILD_ID: buildId, MASKOPS_COMMIT_SHA: sha },
      });
      log(`[build ${tag}] image ${image.repository}:${shortSha} ${image.digest}`);
    } catch (err) {
      status = BuildStatus.FAILURE;
      failureDetail = `pushing the image failed: ${err instanceof Error ? err.message : String(err)}`;
      logTail = failureDetail;
      log(`[build ${tag}] ${failureDetail}`);
    }
  }

  const name = `${o.repository}:${shortSha}`;
  const build: Record<string, unknown> = {
    id: buildId,
    ...(o.projectId ? { projectId: o.projectId } : {}),
    status,
    createTime,
    startTime,
    finishTime: cloudBuildTimestamp(),
    steps,
    images: [name],
    ...(image ? { results: { images: [{ name, digest: image.digest }] } } : {}),
    ...(failureDetail
      ? {
          statusDetail: failureDetail,
          failureInfo: { type: 'USER_BUILD_STEP', detail: failureDetail },
        }
      : {}),
    substitutions: {
      COMMIT_SHA: sha,
      SHORT_SHA: shortSha,
      BRANCH_NAME: branch,
      REPO_NAME: 'maskops',
    },
    logUrl: `file://${logFile}`,
  };
  writeFileSync(join(workDir, 'build.json'), JSON.stringify(build, null, 2) + '\n');
  return { buildId, status, image, build, sourceDir, logFile, logTail };
}
