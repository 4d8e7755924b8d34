import type { DeployCandidate } from '@maskops/shared';
import { Annotation } from './annotations';
import { withConflictRetry } from './conflict-retry';
import type { DeployDeps } from './deps';
import type { PatchPlan } from './plan-patch';
import { selectContainer } from './select-container';

export type RollbackResult =
  | { readonly status: 'rolled-back'; readonly image: string }
  /** Someone deployed something else meanwhile; undoing it would be wrong. */
  | { readonly status: 'superseded'; readonly currentImage: string }
  | { readonly status: 'impossible'; readonly message: string };

/**
 * Restores the container image (and, for tag deploys, the pod template's build
 * id, so Kubernetes scales the old ReplicaSet back up instead of making a new
 * one). The build-id/finish-time annotations keep naming the failed build: it
 * was processed, and a redelivery of it must not be deployed again.
 */
export async function rollback(
  deps: DeployDeps,
  plan: Extract<PatchPlan, { action: 'patch' }>,
  candidate: DeployCandidate,
  reason: string,
): Promise<RollbackResult> {
  if (!plan.previousImage) return { status: 'impossible', message: 'no previous image recorded' };
  const { namespace, deployment } = deps.config;
  const restoredTemplate = plan.patch.spec.template.metadata !== undefined;
  return withConflictRetry(deps, `rollback ${candidate.buildId}`, async () => {
    const current = await deps.api.read(namespace, deployment);
    const container = selectContainer(current, plan.container);
    if (container.image !== plan.image) {
      return { status: 'superseded', currentImage: container.image ?? '' } as const;
    }
    const resourceVersion = current.metadata?.resourceVersion;
    const why = `build ${candidate.buildId} (${candidate.image}): ${reason}`.slice(0, 500);
    await deps.api.patch(namespace, deployment, {
      metadata: {
        ...(resourceVersion === undefined ? {} : { resourceVersion }),
        annotations: {
          [Annotation.ROLLBACK_REASON]: why,
          [Annotation.CHANGE_CAUSE]: `maskops: rollback of ${candidate.buildId} → ${plan.previousImage}`,
          [Annotation.PREVIOUS_IMAGE]: plan.image,
        },
      },
      spec: {
        template: {
          ...(restoredTemplate
            ? { metadata: { annotations: { [Annotation.BUILD_ID]: plan.previousTemplateBuildId } } }
            : {}),
          spec: { containers: [{ name: plan.container, image: plan.previousImage }] },
        },
      },
    });
    return { status: 'rolled-back', image: plan.previousImage } as const;
  });
}
