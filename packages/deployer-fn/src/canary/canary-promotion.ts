import type { V1Deployment } from '@kubernetes/client-node';
import type { LogFields } from '@maskops/shared';
import { describeError } from '@maskops/shared';
import { applyCandidate } from '../deploy/apply-patch';
import type { PatchPlan } from '../deploy/plan-patch';
import { rollback } from '../deploy/rollback';
import { selectContainer } from '../deploy/select-container';
import { rolloutState } from '../deploy/watch-rollout';
import { Outcome } from '../outcome';
import type { CanaryDeps } from './canary-deps';
import type { CanaryDecision } from './canary-result';
import type { CanaryState, Promotion } from './canary-state';
import { advance, writeState } from './canary-transitions';
import type { Figures } from './verdict';

/**
 * Promote: the rolling patch of the stable Deployment, exactly as a rolling
 * deploy sends it (digest, annotations, ordering key). Its rollout is watched
 * by the following steps, not here, so no invocation runs long.
 */
export async function promote(
  deps: CanaryDeps,
  read: V1Deployment,
  state: CanaryState,
  step: number,
  figures: Figures,
  why: { inconclusive: boolean; detail: string },
): Promise<CanaryDecision> {
  const applied = await applyCandidate(
    deps,
    state.candidate,
    state.forcedAt === undefined ? {} : { force: { at: state.forcedAt } },
  );
  const base: LogFields = { step, figures, inconclusive: why.inconclusive };
  // Inconclusive promotions are allowed by default, but somebody should look.
  const severity = why.inconclusive ? 'WARNING' : undefined;
  if (applied.kind === 'skipped') {
    // Deployed meanwhile (a duplicate of this step, or a replay): nothing to watch.
    await writeState(
      deps,
      read,
      {
        ...state,
        phase: 'promoted',
        step,
        figures,
        finishedAt: new Date(deps.now()).toISOString(),
      },
      0,
    );
    return {
      outcome: Outcome.ALREADY_DEPLOYED,
      reason: applied.plan.reason,
      text: `canary promoted, but ${applied.plan.reason}`,
      fields: base,
    };
  }
  const { plan } = applied;
  const promotion: Promotion = {
    generation: applied.after.metadata?.generation ?? 0,
    startedAt: new Date(deps.now()).toISOString(),
    container: plan.container,
    image: plan.image,
    previousImage: plan.previousImage,
    previousTemplateBuildId: plan.previousTemplateBuildId,
    templateAnnotated: plan.patch.spec.template.metadata !== undefined,
  };
  if (deps.config.rolloutTimeoutSeconds === 0) {
    // ROLLOUT_TIMEOUT_SECONDS=0: patch and return, as a rolling deploy does.
    const at = new Date(deps.now()).toISOString();
    await writeState(deps, read, { ...state, phase: 'promoted', step, figures, finishedAt: at }, 0);
    return {
      outcome: Outcome.PATCHED,
      text: `canary promoted: patched ${plan.container} to ${plan.image} (rollout not watched)`,
      fields: base,
      previousImage: plan.previousImage,
      ...(severity ? { severity } : {}),
    };
  }
  return advance(
    deps,
    read,
    { ...state, phase: 'promoting', step, figures, promotion },
    {
      outcome: Outcome.CANARY_PROMOTING,
      text: `canary of ${state.candidate.image} promoted: ${why.detail}; stable rollout started`,
      fields: base,
      previousImage: plan.previousImage,
      ...(severity ? { severity } : {}),
    },
  );
}

/** The plan `rollback` needs, rebuilt from the recorded promotion. */
function planOf(p: Promotion): Extract<PatchPlan, { action: 'patch' }> {
  return {
    action: 'patch',
    container: p.container,
    image: p.image,
    previousImage: p.previousImage,
    previousTemplateBuildId: p.previousTemplateBuildId,
    patch: {
      metadata: { annotations: {} },
      spec: {
        template: {
          ...(p.templateAnnotated ? { metadata: { annotations: {} } } : {}),
          spec: { containers: [] },
        },
      },
    },
  };
}

/** One look at the promoted stable rollout: done, failed (rollback as today) or not yet. */
export async function watchPromotion(
  deps: CanaryDeps,
  read: V1Deployment,
  state: CanaryState,
  step: number,
): Promise<CanaryDecision> {
  const p = state.promotion!;
  const { config } = deps;
  const stable = await deps.api.read(config.namespace, config.deployment);
  const finish = async (phase: 'promoted' | 'failed', d: CanaryDecision) => {
    const at = new Date(deps.now()).toISOString();
    await writeState(deps, read, { ...state, phase, step, finishedAt: at }, 0);
    return { ...d, previousImage: p.previousImage, fields: { ...d.fields, step } };
  };
  const running = selectContainer(stable, p.container).image;
  if (running !== p.image) {
    return finish('promoted', {
      outcome: Outcome.SUPERSEDED,
      reason: `now running ${running ?? ''}`,
      text: `deploy of ${p.image} superseded by ${running ?? ''} during the rollout`,
    });
  }
  const rollout = rolloutState(stable, p.generation);
  if (rollout.done) {
    return finish('promoted', { outcome: Outcome.DEPLOYED, text: `deployed ${p.image}` });
  }
  const elapsedMs = deps.now() - Date.parse(p.startedAt);
  const timedOut =
    config.rolloutTimeoutSeconds > 0 && elapsedMs > config.rolloutTimeoutSeconds * 1000;
  if (!rollout.failed && !timedOut) {
    return advance(
      deps,
      read,
      { ...state, step },
      {
        outcome: Outcome.CANARY_PROMOTING,
        text: `stable rollout of ${p.image}: ${rollout.waiting}`,
        fields: { step },
      },
    );
  }
  const reason = rollout.failed
    ? `${rollout.failed.reason}: ${rollout.failed.message}`
    : `Timeout: rollout not complete after ${config.rolloutTimeoutSeconds}s (${rollout.waiting})`;
  const failed = (outcome: Outcome, text: string, fields: LogFields) =>
    finish('failed', { outcome, reason, text: `rollout of ${p.image} failed${text}`, fields });
  if (!config.rollbackOnFailure) {
    return failed(Outcome.ROLLOUT_FAILED, '; ROLLBACK_ON_FAILURE is off', {});
  }
  try {
    const undo = await rollback(deps, planOf(p), state.candidate, reason);
    if (undo.status === 'rolled-back') {
      return failed(Outcome.ROLLED_BACK, `; rolled back to ${undo.image}`, { rollback: 'done' });
    }
    const why = undo.status === 'superseded' ? `superseded by ${undo.currentImage}` : undo.message;
    return failed(Outcome.ROLLOUT_FAILED, `; not rolled back (${why})`, { rollback: undo.status });
  } catch (err) {
    return failed(Outcome.ROLLOUT_FAILED, ` and the rollback failed: ${describeError(err)}`, {
      rollback: 'failed',
    });
  }
}
