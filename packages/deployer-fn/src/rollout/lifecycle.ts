import type { V1Deployment } from '@kubernetes/client-node';
import { describeError } from '@maskops/shared';
import type { Decision } from '../decision';
import { withConflictRetry } from '../deploy/conflict-retry';
import type { PatchPlan } from '../deploy/plan-patch';
import type { Deps } from '../deps';
import { Outcome } from '../outcome';
import type { Candidate } from './candidate';
import type { RolloutTarget } from './deployment-patch';
import { describeTarget, rollbackPatch, supersededBy } from './deployment-patch';

/**
 * The rollout lifecycle both strategies share: apply a decided patch plan
 * (re-deciding on a conflict), look at the rollout, roll back a failed one, and
 * turn what happened into the outcome and its one log line. A rolling deploy
 * runs it in one invocation; a canary promotion applies in one step and looks
 * in the following ones.
 */

export type Applied =
  | { readonly kind: 'skipped'; readonly plan: Extract<PatchPlan, { action: 'skip' }> }
  | {
      readonly kind: 'patched';
      readonly plan: Extract<PatchPlan, { action: 'patch' }>;
      readonly after: V1Deployment;
      readonly attempts: number;
    };

/**
 * Sends the plan decided on `read`. A concurrent writer makes the patch fail
 * with 409 (it carries the read's resourceVersion); then the Deployment is read
 * again and `decide` runs again, since the other writer may have deployed a
 * newer build.
 */
export async function applyPlan(
  deps: Deps,
  what: string,
  first: PatchPlan,
  decide: (current: V1Deployment) => PatchPlan,
): Promise<Applied> {
  const { namespace, deployment } = deps.config;
  return withConflictRetry(deps, what, async (attempts) => {
    const plan = attempts === 1 ? first : decide(await deps.api.read(namespace, deployment));
    if (plan.action === 'skip') return { kind: 'skipped', plan };
    const after = await deps.api.patch(namespace, deployment, plan.patch);
    return { kind: 'patched', plan, after, attempts };
  });
}

/** What one look at (or a whole watch of) a rollout found. */
export type RolloutLook =
  | { readonly status: 'complete' }
  /** The container no longer runs our image (or model): someone else deployed meanwhile. */
  | { readonly status: 'superseded'; readonly currentImage: string }
  | { readonly status: 'failed'; readonly reason: string; readonly message: string };

/**
 * A finished look as a decision: deployed, superseded, or failed — then rolled
 * back when ROLLBACK_ON_FAILURE, unless someone else deployed meanwhile. A
 * failed rollout is acknowledged: redelivering the same build would fail the
 * same way, and the build stays recorded, so its redelivery changes nothing.
 */
export async function settle(
  deps: Deps,
  target: RolloutTarget,
  candidate: Candidate,
  look: RolloutLook,
): Promise<Decision> {
  const what = describeTarget(target);
  if (look.status === 'superseded') {
    return {
      outcome: Outcome.SUPERSEDED,
      reason: `now running ${look.currentImage}`,
      text: `deploy of ${what} superseded by ${look.currentImage} during the rollout`,
    };
  }
  if (look.status === 'complete') {
    return { outcome: Outcome.DEPLOYED, text: `deployed ${what}` };
  }
  const reason = `${look.reason}: ${look.message}`;
  const failed = (outcome: Outcome, text: string, rollback?: string): Decision => ({
    outcome,
    reason,
    text: `rollout of ${what} failed${text}`,
    ...(rollback === undefined ? {} : { fields: { rollback } }),
  });
  if (!deps.config.rollbackOnFailure) {
    return failed(Outcome.ROLLOUT_FAILED, '; ROLLBACK_ON_FAILURE is off');
  }
  let undo: RollbackResult;
  try {
    undo = await rollback(deps, target, candidate, reason);
  } catch (err) {
    // Still acknowledged: a redelivery finds the build recorded and does nothing.
    return failed(
      Outcome.ROLLOUT_FAILED,
      ` and the rollback failed: ${describeError(err)}`,
      'failed',
    );
  }
  if (undo.status === 'rolled-back') {
    return failed(Outcome.ROLLED_BACK, `; rolled back to ${undo.image}`, 'done');
  }
  const why = undo.status === 'superseded' ? `superseded by ${undo.currentImage}` : undo.message;
  return failed(Outcome.ROLLOUT_FAILED, `; not rolled back (${why})`, undo.status);
}

type RollbackResult =
  /** `image`: what the container runs again (the image, or MODEL_PATH for a model). */
  | { readonly status: 'rolled-back'; readonly image: string }
  /** Someone deployed something else meanwhile; undoing it would be wrong. */
  | { readonly status: 'superseded'; readonly currentImage: string }
  | { readonly status: 'impossible'; readonly message: string };

/** Restores `target`'s previous image (or MODEL_PATH), unless the container no longer runs ours. */
async function rollback(
  deps: Deps,
  target: RolloutTarget,
  candidate: Candidate,
  reason: string,
): Promise<RollbackResult> {
  if (!target.previousImage && target.model === undefined) {
    return { status: 'impossible', message: 'no previous image recorded' };
  }
  const { namespace, deployment } = deps.config;
  return withConflictRetry(deps, `rollback ${candidate.buildId}`, async () => {
    const current = await deps.api.read(namespace, deployment);
    const other = supersededBy(current, target);
    if (other !== undefined) return { status: 'superseded', currentImage: other } as const;
    const patch = rollbackPatch(target, candidate, reason, current.metadata?.resourceVersion);
    await deps.api.patch(namespace, deployment, patch);
    const back =
      target.model === undefined
        ? target.previousImage
        : `MODEL_PATH ${target.model.previousPath ?? '(unset)'}`;
    return { status: 'rolled-back', image: back } as const;
  });
}
