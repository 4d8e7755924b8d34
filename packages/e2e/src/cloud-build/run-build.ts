import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BuildStatus } from '@maskops/shared';
import { docker, uniqueName } from '../container/docker';
import type { BuildPlan, PlannedStep } from './build-plan';
import { buildResource, FailureType, type BuildOutcome, type FailureInfo } from './build-resource';
import { CLOUD_SDK_MOUNT_LABEL, type CloudSdk } from './cloud-sdk';
import { noCloudSdk, stepImageNotLocal } from './errors';
import { publishBuild, type BuildTopic } from './publish-build';
import { pushImages } from './push-images';
import type { LocalStepOptions } from './local-step-options';
import { startStep, type RunningStep, type StepContext } from './step-container';

/**
 * Runs a planned build's steps as containers, as Cloud Build's worker does: a step
 * starts once every step it waits for has succeeded, so independent steps run at
 * once; a failing step fails the build (the steps still running are cancelled, those
 * not started stay QUEUED); a step over its `timeout` is killed and the build is
 * TIMEOUT, as is a build over its own. Every container and volume of the build is
 * removed at the end. Then `images` are pushed (push-images.ts), and their digests
 * go into results.images.
 */
export interface RunBuildInput {
  readonly plan: BuildPlan;
  /** Host folder mounted at /workspace (the source checked out). */
  readonly workspace: string;
  readonly buildId: string;
  readonly projectId: string;
  readonly location?: string;
  /** Each line of each step's output, prefixed with the step's label; and progress lines. */
  readonly log: (line: string) => void;
  /** The Cloud SDK lent to steps whose image asks for it (the cloud-sdk stand-in). */
  readonly cloudSdk?: CloudSdk;
  /** Where the finished Build resource is published (`cloud-builds`), as Cloud Build does. */
  readonly notify?: BuildTopic;
  /** Local deviations from Cloud Build's worker: CPU weight, cache volumes. */
  readonly local?: LocalStepOptions;
}

export interface BuildRun {
  readonly status: BuildStatus;
  readonly statusDetail?: string;
  /** The Build resource as Cloud Build publishes it. */
  readonly build: Record<string, unknown>;
  /** The Pub/Sub message id of the finished build's notification, when it was published. */
  readonly messageId?: string;
}

type Outcome = BuildOutcome['steps'][number];
type Timing = NonNullable<Outcome['timing']>;

const HEARTBEAT_MS = 60_000;

const now = (): string => new Date().toISOString();

export async function runBuild(input: RunBuildInput): Promise<BuildRun> {
  const { plan, log } = input;
  const createTime = now();
  const sdkMounts = await stepImageMounts(plan.steps, input.cloudSdk !== undefined);
  const label = `maskops.build-id=${input.buildId}`;
  const volumes = new Map<string, string>();
  const scriptDir = mkdtempSync(join(tmpdir(), 'maskops-build-scripts-'));
  const ctx: StepContext = {
    workspace: input.workspace,
    scriptDir,
    label,
    cloudSdkMount: (image) => sdkMounts.get(image),
    ...(input.cloudSdk === undefined ? {} : { cloudSdk: input.cloudSdk }),
    ...(input.local === undefined ? {} : { local: input.local }),
    volume: (name) => {
      let v = volumes.get(name);
      if (v === undefined) {
        // The build's own volumes ($home, …) are named without their `$`.
        v = uniqueName(`maskops-build-${name.replace(/^\$/, '')}`);
        volumes.set(name, v);
      }
      return v;
    },
  };
  let images: BuildOutcome['images'] = [];
  let pushTiming: Timing | undefined;
  const outcomes: Outcome[] = plan.steps.map(() => ({ status: BuildStatus.QUEUED }));
  const running = new Map<number, RunningStep>();
  const startTime = now();
  let status: BuildStatus = BuildStatus.SUCCESS;
  let statusDetail: string | undefined;
  let failureInfo: FailureInfo | undefined;
  const end = (s: BuildStatus, detail: string, failure?: FailureType): void => {
    if (status !== BuildStatus.SUCCESS) return;
    status = s;
    statusDetail = detail;
    if (failure !== undefined) failureInfo = { type: failure, detail };
    log(`build ${s}: ${detail}`);
    for (const r of running.values()) void r.stop();
  };
  const buildTimer = setTimeout(
    () => end(BuildStatus.TIMEOUT, `build timed out after ${plan.timeoutMs / 1000}s`),
    plan.timeoutMs,
  );

  const runStep = async (step: PlannedStep): Promise<void> => {
    const prefix = `[${step.label}]`;
    log(`${prefix} starting: ${step.name}`);
    const started = now();
    const r = startStep(step, uniqueName(`maskops-build-step-${step.index}`), ctx, (l) =>
      log(`${prefix} ${l}`),
    );
    running.set(step.index, r);
    // A line now and then, so a long quiet step (an install, a test suite) shows it lives.
    const startedAt = Date.now();
    const heartbeat = setInterval(() => {
      log(`${prefix} still running after ${Math.round((Date.now() - startedAt) / 1000)}s`);
    }, HEARTBEAT_MS);
    let timedOut = false;
    const timer =
      step.timeoutMs === undefined
        ? undefined
        : setTimeout(() => {
            timedOut = true;
            void r.stop();
          }, step.timeoutMs);
    const exit = await r.done;
    clearTimeout(timer);
    clearInterval(heartbeat);
    running.delete(step.index);
    const timing: Timing = { startTime: started, endTime: now() };
    const ok =
      exit.code !== undefined &&
      (exit.code === 0 || step.allowFailure || step.allowExitCodes.includes(exit.code));
    const stepStatus = timedOut
      ? BuildStatus.TIMEOUT
      : exit.stopped
        ? // Stopped by the build's end: its own timeout, or another step failing.
          status === BuildStatus.TIMEOUT
          ? BuildStatus.TIMEOUT
          : BuildStatus.CANCELLED
        : exit.code === 0
          ? BuildStatus.SUCCESS
          : BuildStatus.FAILURE;
    outcomes[step.index] = { status: stepStatus, timing };
    log(`${prefix} ${stepStatus}${exit.code === undefined ? '' : ` (exit ${exit.code})`}`);
    if (timedOut) {
      end(BuildStatus.TIMEOUT, `${step.label} timed out after ${(step.timeoutMs ?? 0) / 1000}s`);
    } else if (!exit.stopped && !ok) {
      // Cloud Build's words, step numbered from 0 and named by its image.
      end(
        BuildStatus.FAILURE,
        `Build step failure: build step ${step.index} "${step.name}" failed: step exited with non-zero status: ${exit.code ?? '?'}`,
        FailureType.USER_BUILD_STEP,
      );
    }
  };

  try {
    // Each step's promise settles when it has run (or will never run).
    const finished: Array<Promise<boolean>> = [];
    for (const step of plan.steps) {
      finished.push(
        Promise.all(step.waitFor.map((d) => finished[d])).then(async (deps) => {
          if (status !== BuildStatus.SUCCESS || !deps.every(Boolean)) return false;
          await runStep(step);
          return status === BuildStatus.SUCCESS;
        }),
      );
    }
    await Promise.all(finished);
    if (status === BuildStatus.SUCCESS && plan.images.length > 0) {
      const start = now();
      try {
        images = await pushImages(plan.images, log);
        pushTiming = { startTime: start, endTime: now() };
      } catch (err) {
        end(
          BuildStatus.FAILURE,
          err instanceof Error ? err.message : String(err),
          FailureType.PUSH_FAILED,
        );
      }
    }
  } finally {
    clearTimeout(buildTimer);
    await Promise.all([...running.values()].map((r) => r.stop()));
    await removeBuildLeftovers(label, [...volumes.values()]);
    rmSync(scriptDir, { recursive: true, force: true });
  }
  const outcome: BuildOutcome = {
    id: input.buildId,
    projectId: input.projectId,
    location: input.location ?? 'global',
    status,
    ...(statusDetail === undefined ? {} : { statusDetail }),
    ...(failureInfo === undefined ? {} : { failureInfo }),
    createTime,
    startTime,
    finishTime: now(),
    steps: outcomes,
    images,
    ...(pushTiming === undefined ? {} : { pushTiming }),
  };
  const build = buildResource(plan, outcome);
  // The build's outcome stands whether or not its notification goes out (as on Cloud
  // Build); a failed publish is a line of the log and no message id.
  const messageId =
    input.notify === undefined
      ? undefined
      : await publishBuild(build, input.notify).then(
          (id) => {
            log(`build ${status} published to cloud-builds as message ${id}`);
            return id;
          },
          (err: unknown) => {
            log(err instanceof Error ? err.message : String(err));
            return undefined;
          },
        );
  return {
    status,
    ...(statusDetail === undefined ? {} : { statusDetail }),
    build,
    ...(messageId === undefined ? {} : { messageId }),
  };
}

/**
 * Every step image must be on the engine already, and one that asks for the Cloud SDK
 * needs it given; one error names the first image at fault. Returns where each image
 * that asks for the SDK wants it.
 */
async function stepImageMounts(
  steps: readonly PlannedStep[],
  haveSdk: boolean,
): Promise<Map<string, string>> {
  const byImage = new Map<string, string[]>();
  for (const s of steps) byImage.set(s.name, [...(byImage.get(s.name) ?? []), s.label]);
  const mounts = new Map<string, string>();
  for (const [image, labels] of byImage) {
    const found = await docker(['image', 'inspect', '--format', '{{json .Config.Labels}}', image])
      .then(({ stdout }) => (JSON.parse(stdout) ?? {}) as Record<string, string>)
      .catch(() => undefined);
    if (found === undefined) throw stepImageNotLocal(image, labels);
    const mount = found[CLOUD_SDK_MOUNT_LABEL];
    if (mount === undefined) continue;
    if (!haveSdk) throw noCloudSdk(image, labels);
    mounts.set(image, mount);
  }
  return mounts;
}

async function removeBuildLeftovers(label: string, volumes: string[]): Promise<void> {
  const { stdout } = await docker(['ps', '--all', '--quiet', '--filter', `label=${label}`]);
  const ids = stdout.split('\n').filter(Boolean);
  if (ids.length > 0) await docker(['rm', '--force', ...ids]).catch(() => undefined);
  if (volumes.length > 0) {
    await docker(['volume', 'rm', '--force', ...volumes]).catch(() => undefined);
  }
}
