import { randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { performance } from 'node:perf_hooks';
import { MaskopsError } from '@maskops/shared';
import { buildLocalImage, type LocalImage } from './image-store';
import {
  cloudBuildTimestamp,
  exportTree,
  LocalBuildErrorCode,
  resolveCommit,
  runStep,
} from './local-build-steps';

export { LocalBuildErrorCode } from './local-build-steps';

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
  /**
   * User substitutions (`_NAME`: value), as `--substitutions` gives them. Each reaches the
   * steps as env `NAME`, the way cloudbuild.yaml's steps map them (`_DEMO_MODEL_BEHAVIOUR`
   * → `DEMO_MODEL_BEHAVIOUR`), and is recorded in the Build resource.
   */
  substitutions?: Record<string, string>;
}

/**
 * The package the image is made of, inside the exported tree (not this workspace):
 * the one whose Dockerfile cloudbuild.yaml builds.
 */
const IMAGE_PACKAGE = join('packages', 'inference-api');

const BuildStatus = { SUCCESS: 'SUCCESS', FAILURE: 'FAILURE' } as const;
type BuildStatus = (typeof BuildStatus)[keyof typeof BuildStatus];

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
  const substitutions = o.substitutions ?? {};
  for (const key of Object.keys(substitutions)) {
    if (!/^_[A-Z0-9_]+$/.test(key)) {
      throw new MaskopsError(
        LocalBuildErrorCode.BAD_SUBSTITUTION,
        `bad substitution "${key}": user substitutions are _UPPER_CASE`,
      );
    }
  }
  const stepEnv = Object.fromEntries(
    Object.entries(substitutions).map(([k, v]) => [k.slice(1), v]),
  );

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
    const result = await runStep(sourceDir, p.args, logFile, stepEnv);
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
        packageDir: join(sourceDir, IMAGE_PACKAGE),
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
      ...substitutions,
    },
    logUrl: `file://${logFile}`,
  };
  writeFileSync(join(workDir, 'build.json'), JSON.stringify(build, null, 2) + '\n');
  return { buildId, status, image, build, sourceDir, logFile, logTail };
}
