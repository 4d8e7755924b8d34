import type { V1Deployment } from '@kubernetes/client-node';
import { Annotation, parseModelUri } from '@maskops/shared';
import type { DeployerConfig } from '../config';
import { permanent } from '../errors';
import type { ModelCandidate } from '../rollout/candidate';
import { deployPatch } from '../rollout/deployment-patch';
import { abortedBuild, compareModels } from './aborted-build';
import { MODEL_PATH_ENV, modelPathOf } from './model-path';
import type { PatchPlan, PlanOptions, SkipOutcome } from './plan-patch';
import { selectContainer } from './select-container';

/**
 * planPatch for a model: the same pure decision, ordered by the manifest's
 * generation instead of a build's finish time. The deployed model is the one
 * recorded in `maskops.dev/model-uri` (it keeps naming a model that was rolled
 * back, so a redelivery does nothing) or the container's MODEL_PATH. A newer
 * generation of the same manifest, or any other manifest, rolls out; an older
 * one is stale. Only MODEL_PATH is patched: the image stays.
 */
export function planModelPatch(
  deployment: V1Deployment,
  candidate: ModelCandidate,
  config: Pick<DeployerConfig, 'container'>,
  options: PlanOptions,
): PatchPlan {
  const container = selectContainer(deployment, config.container);
  const currentImage = container.image ?? '';
  const currentPath = modelPathOf(container);
  const { model } = candidate;
  const annotations = deployment.metadata?.annotations ?? {};
  const deployedUri = annotations[Annotation.MODEL_URI];
  const skip = (outcome: SkipOutcome, reason: string): PatchPlan => ({
    action: 'skip',
    outcome,
    reason,
    container: container.name,
    currentImage,
  });

  if (deployedUri === model.uri || currentPath === model.uri) {
    return skip('already-deployed', `model ${model.uri} is the deployed model`);
  }
  if (options.force === undefined) {
    const deployed = deployedUri === undefined ? undefined : parseModelUri(deployedUri);
    if (deployed !== undefined && (compareModels(model, deployed) ?? 0) < 0) {
      return skip(
        'stale',
        `generation ${model.generation} is older than the deployed generation ${deployed.generation} of ${model.object}`,
      );
    }
    const aborted = abortedBuild(deployment, 'model');
    if (aborted?.buildId === candidate.buildId) {
      return skip('already-aborted', `the canary of model ${model.uri} was aborted`);
    }
    if (aborted?.model !== undefined && (compareModels(model, aborted.model) ?? 1) <= 0) {
      return skip(
        'stale',
        `generation ${model.generation} is not after the aborted canary generation ${aborted.model.generation} of ${model.object}`,
      );
    }
  }
  if (container.env?.some((e) => e.name === MODEL_PATH_ENV && e.valueFrom !== undefined)) {
    // A value beside valueFrom is invalid, and rewriting the reference is not ours to do.
    throw permanent(
      'MODEL_PATH_FROM_REFERENCE',
      `container ${container.name} takes ${MODEL_PATH_ENV} from a reference (valueFrom); a model rollout needs a plain value`,
    );
  }
  const patch = deployPatch({
    candidate,
    container: container.name,
    resourceVersion: deployment.metadata?.resourceVersion,
    forcedAt: options.force?.at,
    previous: { modelPath: currentPath },
  });
  return {
    action: 'patch',
    patch,
    container: container.name,
    image: currentImage,
    previousImage: currentImage,
    previousTemplateBuildId: null,
    templateAnnotated: false,
    model: { path: model.uri, previousPath: currentPath },
    ...(options.force === undefined ? {} : { forced: true }),
  };
}
