import type { V1Deployment } from '@kubernetes/client-node';
import type { LogFields } from '@maskops/shared';
import { Annotation } from '@maskops/shared';
import { planPatch } from '../deploy/plan-patch';
import type { RolloutLook } from '../rollout/lifecycle';
import { applyPlan, settle } from '../rollout/lifecycle';
import { selectContainer } from '../deploy/select-container';
import { rolloutState } from '../deploy/watch-rollout';
import { Outcome } from '../outcome';
import type { CanaryDeps } from '../deps';
import type { Decision } from '../decision';
import type { CanaryState, Promotion } from './canary-state';
import { advance, writeState } from './canary-transitions';
import type { Figures } from './verdict';
import { describeCandidate } from '../rollout/candidate';
import { describeTarget, supersededBy } from '../rollout/deployment-patch';

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
): Promise<Decision> {
  // The same decision and patch as a rolling deploy, with the force the canary started with.
  const { namespace, deployment } = deps.config;
  const options = state.forcedAt === undefined ? {} : { force: { at: state.forcedAt } };
  const decide = (stable: V1Deployment) => planPatch(stable, state.candidate, deps.config, options);
  const applied = await applyPlan(
    deps,
    `promote ${state.buildId}`,
    decide(await deps.api.read(namespace, deployment)),
    decide,
  );
  const base: LogFields = { step, figures, inconclusive: why.inconclusive };
  // Inconclusive promotions are allowed by default, but somebody should look.
  const severity = why.inconclusive ? 'WARNING' : undefined;
  let promotion: Promotion;
  let how = 'stable rollout started';
  if (applied.kind === 'patched') {
    const { plan } = applied;
    promotion = {
      generation: applied.after.metadata?.generation ?? 0,
      startedAt: new Date(deps.now()).toISOString(),
      container: plan.container,
      image: plan.image,
      previousImage: plan.previousImage,
      previousTemplateBuildId: plan.previousTemplateBuildId,
      templateAnnotated: plan.templateAnnotated,
      ...(plan.model === undefined ? {} : { model: plan.model }),
    };
  } else if (
    state.candidate.model === undefined
      ? applied.plan.deployedBuildId === state.buildId
      : applied.plan.outcome === 'already-deployed'
  ) {
    // Stable already carries this canary's build: an earlier attempt of this step
    // patched it and then could not record that (its state write lost to other
    // writers until the step's deadline). It is this promotion, so watch it.
    promotion = await recoveredPromotion(deps, state, applied.plan.container);
    how = 'stable rollout started by an earlier attempt of this step';
  } else {
    // Deployed or overtaken meanwhile by another build: nothing of ours to watch.
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
    const { outcome } = applied.plan;
    return {
      outcome,
      reason: applied.plan.reason,
      text: `canary promoted, but ${applied.plan.reason}`,
      fields: base,
    };
  }
  if (deps.config.rolloutTimeoutSeconds === 0) {
    // ROLLOUT_TIMEOUT_SECONDS=0: patch and return, as a rolling deploy does.
    const at = new Date(deps.now()).toISOString();
    await writeState(deps, read, { ...state, phase: 'promoted', step, figures, finishedAt: at }, 0);
    return {
      outcome: Outcome.PATCHED,
      text: `canary promoted: patched ${promotion.container} to ${describeTarget(promotion)} (rollout not watched)`,
      fields: base,
      previousImage: promotion.previousImage,
      ...(severity ? { severity } : {}),
    };
  }
  return advance(
    deps,
    read,
    { ...state, phase: 'promoting', step, figures, promotion },
    {
      outcome: Outcome.CANARY_PROMOTING,
      text: `canary of ${describeCandidate(state.candidate)} promoted: ${why.detail}; ${how}`,
      fields: base,
      previousImage: promotion.previousImage,
      ...(severity ? { severity } : {}),
    },
  );
}

/**
 * The promotion an earlier attempt of this step made, from the stable Deployment
 * it patched. The pod template's previous build id is not recorded there: a
 * rollback of a tag deploy then removes it (a digest deploy never has one).
 */
async function recoveredPromotion(
  deps: CanaryDeps,
  state: CanaryState,
  container: string,
): Promise<Promotion> {
  const stable = await deps.api.read(deps.config.namespace, deps.config.deployment);
  const image = selectContainer(stable, container).image ?? state.candidate.image;
  const recovered = {
    generation: stable.metadata?.generation ?? 0,
    startedAt: new Date(deps.now()).toISOString(),
    container,
    image,
    previousTemplateBuildId: null,
  };
  const annotations = stable.metadata?.annotations ?? {};
  const { model } = state.candidate;
  if (model !== undefined) {
    const previousPath = annotations[Annotation.PREVIOUS_MODEL_PATH] ?? null;
    return {
      ...recovered,
      previousImage: image,
      templateAnnotated: false,
      model: { path: model.uri, previousPath },
    };
  }
  return {
    ...recovered,
    previousImage: annotations[Annotation.PREVIOUS_IMAGE] ?? '',
    templateAnnotated: state.candidate.digest === undefined,
  };
}

/** One look at the promoted stable rollout: done, failed (rollback as today) or not yet. */
export async function watchPromotion(
  deps: CanaryDeps,
  read: V1Deployment,
  state: CanaryState,
  p: Promotion,
  step: number,
): Promise<Decision> {
  const { config } = deps;
  const stable = await deps.api.read(config.namespace, config.deployment);
  const look = lookAt(stable, p, deps.now(), config.rolloutTimeoutSeconds);
  if (look.status === 'pending') {
    return advance(
      deps,
      read,
      { ...state, step },
      {
        outcome: Outcome.CANARY_PROMOTING,
        text: `stable rollout of ${describeTarget(p)}: ${look.waiting}`,
        fields: { step },
      },
    );
  }
  const settled = await settle(deps, p, state.candidate, look);
  const phase = look.status === 'failed' ? 'failed' : 'promoted';
  const finishedAt = new Date(deps.now()).toISOString();
  await writeState(deps, read, { ...state, phase, step, finishedAt }, 0);
  return { ...settled, previousImage: p.previousImage, fields: { ...settled.fields, step } };
}

/** One look at the promoted stable rollout, as a watch would end it (or not yet). */
function lookAt(
  stable: V1Deployment,
  p: Promotion,
  now: number,
  timeoutSeconds: number,
): RolloutLook | { readonly status: 'pending'; readonly waiting: string } {
  const other = supersededBy(stable, p);
  if (other !== undefined) return { status: 'superseded', currentImage: other };
  const rollout = rolloutState(stable, p.generation);
  if (rollout.done) return { status: 'complete' };
  if (rollout.failed) return { status: 'failed', ...rollout.failed };
  if (timeoutSeconds > 0 && now - Date.parse(p.startedAt) > timeoutSeconds * 1000) {
    const message = `rollout not complete after ${timeoutSeconds}s (${rollout.waiting})`;
    return { status: 'failed', reason: 'Timeout', message };
  }
  return { status: 'pending', waiting: rollout.waiting };
}
