import type { V1Deployment } from '@kubernetes/client-node';
import { normalizeTimestamp, parseImageRef } from '@maskops/shared';
import type { DeployerConfig } from '../config';
import { abortedBuild, compareBuilds } from './aborted-build';
import type { DeploymentPatch, RolloutTarget } from '../rollout/deployment-patch';
import { deployPatch } from '../rollout/deployment-patch';
import type { Candidate } from '../rollout/candidate';
import { isModel } from '../rollout/candidate';
import { planModelPatch } from './plan-model-patch';
import { Annotation } from '@maskops/shared';
import { isBeyond } from './clock-skew';
import { selectContainer } from './select-container';

export type SkipOutcome = 'already-deployed' | 'stale' | 'already-aborted';

export type PatchPlan =
  | {
      readonly action: 'skip';
      readonly outcome: SkipOutcome;
      readonly reason: string;
      readonly container: string;
      readonly currentImage: string;
      readonly deployedBuildId?: string;
      readonly deployedFinishTime?: string;
      readonly distrustedFinishTime?: string;
    }
  | (RolloutTarget & {
      readonly action: 'patch';
      readonly patch: DeploymentPatch;
      readonly deployedBuildId?: string;
      readonly deployedFinishTime?: string;
      /** A deployed key too far in the future to believe; treated as absent (see clock-skew). */
      readonly distrustedFinishTime?: string;
      readonly forced?: boolean;
    });

export interface PlanOptions {
  /** Deployed keys after this (normalised) time are treated as absent. */
  readonly latestTrusted?: string;
  /**
   * Deploy even if the build is older than the deployed one. Only the replay
   * CLI sets it (never a message): it is recorded in the annotations.
   */
  readonly force?: { readonly at: string };
}

function digestOf(image: string | undefined): string | undefined {
  if (!image) return undefined;
  try {
    const ref = parseImageRef(image);
    return ref.digest === undefined ? undefined : `${ref.repository}@${ref.digest}`;
  } catch {
    return undefined;
  }
}

/**
 * Decides what one candidate does to the Deployment as read. Pure: the same
 * inputs always give the same plan, so the replay CLI can print it (--dry-run).
 * Ordering: same build id or same digest → already deployed; a finishTime before
 * the deployed one (ties broken by build id, so any delivery order converges) →
 * stale; otherwise patch only the chosen container's image.
 */
export function planPatch(
  deployment: V1Deployment,
  candidate: Candidate,
  config: Pick<DeployerConfig, 'container'>,
  options: PlanOptions = {},
): PatchPlan {
  if (isModel(candidate)) return planModelPatch(deployment, candidate, config, options);
  const container = selectContainer(deployment, config.container);
  const currentImage = container.image ?? '';
  const annotations = deployment.metadata?.annotations ?? {};
  const deployedBuildId = annotations[Annotation.BUILD_ID];
  const recordedFinishTime = normalizeTimestamp(annotations[Annotation.FINISH_TIME]);
  const distrusted =
    recordedFinishTime !== undefined &&
    options.latestTrusted !== undefined &&
    isBeyond(recordedFinishTime, options.latestTrusted);
  const deployedFinishTime = distrusted ? undefined : recordedFinishTime;
  const deployed = {
    ...(deployedBuildId === undefined ? {} : { deployedBuildId }),
    ...(deployedFinishTime === undefined ? {} : { deployedFinishTime }),
    ...(distrusted ? { distrustedFinishTime: recordedFinishTime } : {}),
  };
  const skip = (outcome: SkipOutcome, reason: string): PatchPlan => ({
    action: 'skip',
    outcome,
    reason,
    container: container.name,
    currentImage,
    ...deployed,
  });

  if (deployedBuildId === candidate.buildId) {
    return skip('already-deployed', `build ${candidate.buildId} is the deployed build`);
  }
  if (
    candidate.digest !== undefined &&
    digestOf(currentImage) === `${candidate.repository}@${candidate.digest}`
  ) {
    return skip('already-deployed', `container ${container.name} already runs ${candidate.digest}`);
  }
  if (options.force === undefined) {
    if (
      deployedFinishTime !== undefined &&
      compareBuilds(candidate, { buildId: deployedBuildId ?? '', finishTime: deployedFinishTime }) <
        0
    ) {
      return skip(
        'stale',
        `build finished ${candidate.finishTime}, before the deployed build ${deployedBuildId ?? '?'} (${deployedFinishTime})`,
      );
    }
    const aborted = abortedBuild(deployment);
    if (aborted?.buildId === candidate.buildId) {
      return skip('already-aborted', `the canary of build ${candidate.buildId} was aborted`);
    }
    if (
      aborted?.finishTime !== undefined &&
      compareBuilds(candidate, { ...aborted, finishTime: aborted.finishTime }) <= 0
    ) {
      return skip(
        'stale',
        `build finished ${candidate.finishTime}, not after the aborted canary build ${aborted.buildId} (${aborted.finishTime})`,
      );
    }
  }

  const previousTemplateBuildId =
    deployment.spec?.template?.metadata?.annotations?.[Annotation.BUILD_ID] ?? null;
  const patch = deployPatch({
    candidate,
    container: container.name,
    resourceVersion: deployment.metadata?.resourceVersion,
    forcedAt: options.force?.at,
    previous: { image: currentImage },
  });
  return {
    action: 'patch',
    patch,
    container: container.name,
    image: candidate.image,
    previousImage: currentImage,
    previousTemplateBuildId,
    templateAnnotated: patch.spec.template.metadata !== undefined,
    ...deployed,
    ...(options.force === undefined ? {} : { forced: true }),
  };
}
