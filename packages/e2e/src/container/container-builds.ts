import type { CloudSdk } from '../cloud-build/cloud-sdk';
import { MaskopsError } from '@maskops/shared';
import { runCommitBuild } from '../cloud-build/commit-build';
import type { LocalStepOptions } from '../cloud-build/local-step-options';
import { docker, removeAll } from './docker';
import { newBuildStageImages } from './inference-image';

/** One push's build as the container demo uses it (rolling-push.ts reads the same fields). */
export interface ContainerPushBuild {
  image: { digest: string };
  buildId: string;
  /** The Build resource, the `cloud-builds` message the function gets. */
  message: Record<string, unknown>;
  /** Seconds per step (and `push` for the image push), from the Build resource. */
  seconds: Record<string, number>;
}

/** What a build checks out: a commit of a repository, and the branch a push named. */
export interface BuildSource {
  repoRoot: string;
  commit: string;
  /** BRANCH_NAME; none for a build submitted by hand (setup.sh's first build). */
  branch?: string;
}

export interface ContainerBuilderOptions {
  /** The first build's source (setup.sh's `gcloud builds submit` of the checked-out commit). */
  repoRoot: string;
  commit: string;
  projectId: string;
  /** `_IMAGE`: the repository on the local registry. */
  repository: string;
  /** The host's gcloud with loopback endpoints, for the fetch-model step. */
  cloudSdk: CloudSdk;
  log: (line: string) => void;
  /** Every line of every step; otherwise only each step's start, heartbeat and end. */
  verbose: boolean;
}

export const ContainerBuildErrorCode = {
  /** The build ended other than SUCCESS, or pushed no image. */
  NOT_DEPLOYABLE: 'CONTAINER_BUILD_NOT_DEPLOYABLE',
} as const;

/**
 * A build there is nothing to deploy from. `details.build` is its Build resource: a
 * FAILURE is still published to the function, as Cloud Build does, which acknowledges
 * it and deploys nothing.
 */
export function buildNotDeployable(
  buildId: string,
  status: string,
  detail: string | undefined,
  build: Record<string, unknown>,
): MaskopsError {
  return new MaskopsError(
    ContainerBuildErrorCode.NOT_DEPLOYABLE,
    `build ${buildId} ended ${status}: ${detail ?? 'no image pushed'}`,
    { details: { buildId, status, build } },
  );
}

/** The node steps' cache volume; it outlives the demo, so its next run starts warm. */
const BUILD_CACHE_VOLUME = 'maskops-build-cache';

/**
 * The demo's deviations from Cloud Build's worker (cloud-build/local-step-options.ts):
 * the build steps share 2 cores with the pods serving the client (on Google they run
 * elsewhere), so they get 1/8 of a pod's CPU weight; and the Node steps keep pnpm's
 * store and npm's cache in a volume across builds, a builder cache's stand-in.
 */
const DEMO_STEPS: LocalStepOptions = {
  cpuShares: 128,
  caches: [
    {
      image: 'node:24-bookworm',
      volume: BUILD_CACHE_VOLUME,
      path: '/builder/cache',
      env: [
        'pnpm_config_store_dir=/builder/cache/pnpm-store',
        'npm_config_cache=/builder/cache/npm',
      ],
    },
  ],
};

/** A step's own output line (`[label] …`), as opposed to the runner's status lines. */
const STATUS_LINE = /^\[[^\]]+\] (starting: |SUCCESS|FAILURE|TIMEOUT|CANCELLED|still running)/;
const STEP_LINE = /^\[[^\]]+\] /;
const PUSH_LINE = /^\[push\] /;

interface TimeSpan {
  startTime?: string;
  endTime?: string;
}
const seconds = (t: TimeSpan | undefined): number =>
  t?.startTime && t.endTime ? (Date.parse(t.endTime) - Date.parse(t.startTime)) / 1000 : NaN;

/**
 * The demo's pushes through the repository's own cloudbuild.yaml (cloud-build/): every
 * step a container, the image pushed by digest to the local registry. The suite runs
 * outside the build (`_RUN_TESTS=false`); libtensorflow cannot be downloaded here
 * (`_TFJS_NODE=absent`). What a build leaves on the engine (its tag) goes in `cleanup`.
 */
export class ContainerPushBuilder {
  /** Tags and build-stage images the builds left on the engine. */
  private readonly images: string[] = [];
  /** The build id of every digest built, for the summary. */
  readonly builds = new Map<string, string>();

  constructor(private readonly o: ContainerBuilderOptions) {}

  async build(n: number, source?: BuildSource): Promise<ContainerPushBuild> {
    const buildId = `local-build-${n}-${Date.now().toString(36)}`;
    const output: string[] = [];
    const run = await runCommitBuild({
      repoRoot: source?.repoRoot ?? this.o.repoRoot,
      commit: source?.commit ?? this.o.commit,
      ...(source?.branch === undefined ? {} : { branch: source.branch }),
      buildId,
      projectId: this.o.projectId,
      substitutions: { _IMAGE: this.o.repository, _RUN_TESTS: 'false', _TFJS_NODE: 'absent' },
      cloudSdk: this.o.cloudSdk,
      local: DEMO_STEPS,
      log: (line) => {
        output.push(line.replace(STEP_LINE, ''));
        const quiet = STEP_LINE.test(line) && !STATUS_LINE.test(line) && !PUSH_LINE.test(line);
        if (this.o.verbose || !quiet) this.o.log(`[cloud-build] ${line}`);
      },
    });
    const build = run.build as {
      steps?: Array<{ id?: string; timing?: TimeSpan }>;
      timing?: { PUSH?: TimeSpan };
      results?: { images?: Array<{ name: string; digest: string }> };
    };
    const pushed = build.results?.images?.[0];
    // The build stage's image, when this build made one: ~2 GB, the layer cache.
    this.images.push(...newBuildStageImages(output.join('\n')));
    if (pushed) this.images.unshift(pushed.name);
    if (run.status !== 'SUCCESS' || !pushed) {
      throw buildNotDeployable(buildId, run.status, run.statusDetail, run.build);
    }
    const times: Record<string, number> = {};
    for (const [i, step] of (build.steps ?? []).entries()) {
      times[step.id ?? `step ${i}`] = seconds(step.timing);
    }
    times.push = seconds(build.timing?.PUSH);
    this.builds.set(pushed.digest, buildId);
    return { image: { digest: pushed.digest }, buildId, message: run.build, seconds: times };
  }

  /**
   * Removes what the builds left on the engine (the registry goes with the run): the
   * tags, then the build-stage images they made, so that the demo's disk use stays
   * bounded (the next run's first build starts without that cache).
   */
  async cleanup(): Promise<void> {
    await removeAll({ images: this.images });
  }
}

/** Whether the engine has IMAGE (used to say which step images are missing). */
export async function hasImage(image: string): Promise<boolean> {
  return docker(['image', 'inspect', image]).then(
    () => true,
    () => false,
  );
}
