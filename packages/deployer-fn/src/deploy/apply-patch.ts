import type { V1Deployment } from '@kubernetes/client-node';
import type { DeployCandidate } from '@maskops/shared';
import { withConflictRetry } from './conflict-retry';
import type { DeployDeps } from './deps';
import type { PatchPlan, PlanOptions } from './plan-patch';
import { planPatch } from './plan-patch';

export type ApplyResult =
  | {
      readonly kind: 'skipped';
      readonly plan: Extract<PatchPlan, { action: 'skip' }>;
      readonly attempts: number;
    }
  | {
      readonly kind: 'patched';
      readonly plan: Extract<PatchPlan, { action: 'patch' }>;
      readonly before: V1Deployment;
      readonly after: V1Deployment;
      readonly attempts: number;
    };

/**
 * Read, plan, patch with the read's resourceVersion. A concurrent writer makes
 * the patch fail with 409; then the whole decision is redone on a fresh read,
 * since the other writer may have deployed a newer build.
 */
export async function applyCandidate(
  deps: DeployDeps,
  candidate: DeployCandidate,
  options: PlanOptions = {},
): Promise<ApplyResult> {
  const { namespace, deployment } = deps.config;
  return withConflictRetry(deps, `deploy ${candidate.buildId}`, async (attempts) => {
    const before = await deps.api.read(namespace, deployment);
    const plan = planPatch(before, candidate, deps.config, options);
    if (plan.action === 'skip') return { kind: 'skipped', plan, attempts };
    const after = await deps.api.patch(namespace, deployment, plan.patch);
    return { kind: 'patched', plan, before, after, attempts };
  });
}
