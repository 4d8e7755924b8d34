import type { BuildStatus } from '@maskops/shared';
import type { BuildPlan } from './build-plan';

/**
 * The Build resource as Cloud Build publishes it on the `cloud-builds` topic when a
 * build changes status (the fields the deployer and people read):
 * https://cloud.google.com/build/docs/api/reference/rest/v1/projects.builds#Build
 * Timestamps are RFC 3339 strings the caller took (Cloud Build's have up to nine
 * fractional digits); durations are protobuf JSON ("600s").
 */
interface TimeSpan {
  readonly startTime: string;
  readonly endTime: string;
}

interface StepOutcome {
  /** SUCCESS, FAILURE, TIMEOUT, CANCELLED; QUEUED for a step that never started. */
  readonly status: BuildStatus;
  readonly timing?: TimeSpan;
}

interface PushedImage {
  /** As `images:` names it (after substitutions). */
  readonly name: string;
  readonly digest: string;
  readonly pushTiming?: TimeSpan;
}

/** Build.failureInfo.type values the local build can produce (Cloud Build's FailureType). */
export const FailureType = {
  /** A step exited non-zero. */
  USER_BUILD_STEP: 'USER_BUILD_STEP',
  /** Pushing `images` failed. */
  PUSH_FAILED: 'PUSH_FAILED',
} as const;
export type FailureType = (typeof FailureType)[keyof typeof FailureType];

export interface FailureInfo {
  readonly type: FailureType;
  readonly detail: string;
}

export interface BuildOutcome {
  readonly id: string;
  readonly projectId: string;
  readonly location: string;
  readonly status: BuildStatus;
  readonly statusDetail?: string;
  /** Why a FAILURE build failed, as Cloud Build writes it next to statusDetail. */
  readonly failureInfo?: FailureInfo;
  readonly createTime: string;
  readonly startTime?: string;
  readonly finishTime?: string;
  /** One per planned step, in order. */
  readonly steps: readonly StepOutcome[];
  /** Empty unless every image was pushed. */
  readonly images: readonly PushedImage[];
  /** The span of pushing `images` (Build.timing.PUSH). */
  readonly pushTiming?: TimeSpan;
}

function seconds(ms: number): string {
  return `${ms / 1000}s`;
}

export function buildResource(plan: BuildPlan, outcome: BuildOutcome): Record<string, unknown> {
  if (outcome.steps.length !== plan.steps.length) {
    throw new RangeError(`${outcome.steps.length} step outcomes for ${plan.steps.length} steps`);
  }
  const steps = plan.steps.map((s, i) => {
    const o = outcome.steps[i];
    return {
      name: s.name,
      ...(s.id === undefined ? {} : { id: s.id }),
      ...(s.entrypoint === undefined ? {} : { entrypoint: s.entrypoint }),
      args: s.args,
      ...(s.env.length === 0 ? {} : { env: s.env }),
      ...(s.dir === undefined ? {} : { dir: s.dir }),
      ...(s.waitForIds === undefined ? {} : { waitFor: s.waitForIds }),
      ...(s.script === undefined ? {} : { script: s.script }),
      ...(s.timeoutMs === undefined ? {} : { timeout: seconds(s.timeoutMs) }),
      status: o.status,
      ...(o.timing === undefined ? {} : { timing: o.timing }),
    };
  });
  const timing: Record<string, TimeSpan> = {};
  if (outcome.startTime !== undefined && outcome.finishTime !== undefined) {
    timing.BUILD = { startTime: outcome.startTime, endTime: outcome.finishTime };
  }
  if (outcome.pushTiming !== undefined) timing.PUSH = outcome.pushTiming;
  return {
    id: outcome.id,
    name: `projects/${outcome.projectId}/locations/${outcome.location}/builds/${outcome.id}`,
    projectId: outcome.projectId,
    status: outcome.status,
    ...(outcome.statusDetail === undefined ? {} : { statusDetail: outcome.statusDetail }),
    ...(outcome.failureInfo === undefined ? {} : { failureInfo: outcome.failureInfo }),
    steps,
    ...(outcome.images.length === 0
      ? {}
      : {
          results: {
            images: outcome.images.map((i) => ({
              name: i.name,
              digest: i.digest,
              ...(i.pushTiming === undefined ? {} : { pushTiming: i.pushTiming }),
            })),
          },
        }),
    createTime: outcome.createTime,
    ...(outcome.startTime === undefined ? {} : { startTime: outcome.startTime }),
    ...(outcome.finishTime === undefined ? {} : { finishTime: outcome.finishTime }),
    timeout: seconds(plan.timeoutMs),
    images: plan.images,
    substitutions: plan.substitutions,
    ...(plan.tags.length === 0 ? {} : { tags: plan.tags }),
    ...(Object.keys(timing).length === 0 ? {} : { timing }),
  };
}
