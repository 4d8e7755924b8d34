import type { V1Deployment } from '@kubernetes/client-node';
import type { LogFields } from '@maskops/shared';
import type { CanaryPlan } from '../canary/canary-start';
import { canaryPlan, startCanary } from '../canary/canary-start';
import type { DeployerConfig } from '../config';
import type { Decision, HandleResult } from '../decision';
import { failureOf } from '../decision';
import type { PatchPlan, PlanOptions } from '../deploy/plan-patch';
import { planPatch } from '../deploy/plan-patch';
import { watchRollout } from '../deploy/watch-rollout';
import type { Deps } from '../deps';
import { canaryDeps } from '../deps';
import { Outcome } from '../outcome';
import type { Candidate } from './candidate';
import { describeCandidate, nameOf } from './candidate';
import { describeTarget } from './deployment-patch';
import { applyPlan, settle } from './lifecycle';

export interface HandleOptions {
  /** Decide only: the result carries the plan, nothing is written. */
  readonly dryRun?: boolean;
  /** Extra fields for the decision log line (event id, envelope shape …). */
  readonly logFields?: LogFields;
  /**
   * Deploy even if the build is older than the deployed one or its canary was
   * aborted (recorded in the annotations). Only `maskops-replay --in-process
   * --force` sets this; nothing in a message can, or anyone able to publish to
   * the topic could skip the guard.
   */
  readonly force?: boolean;
}

/** What a message leads to, decided from the stable Deployment as read. */
type Plan =
  | { readonly kind: 'skip'; readonly decision: Decision }
  | { readonly kind: 'rolling'; readonly patch: Extract<PatchPlan, { action: 'patch' }> }
  | { readonly kind: 'canary'; readonly canary: CanaryPlan };

/**
 * decide: pure, the candidate against the stable Deployment as read. The same
 * ordering, idempotency and aborted-build rules hold for both strategies; the
 * strategy only says what a deployable build does.
 */
function decide(
  config: DeployerConfig,
  stable: V1Deployment,
  candidate: Candidate,
  options: PlanOptions,
): { readonly plan: Plan; readonly stablePlan: PatchPlan } {
  const stablePlan = planPatch(stable, candidate, config, options);
  if (stablePlan.action === 'skip') {
    const { outcome, reason } = stablePlan;
    const text =
      outcome === Outcome.ALREADY_ABORTED
        ? `already aborted: ${nameOf(candidate)} failed its canary; not analysed again`
        : `${outcome}: ${reason}`;
    const fields =
      stablePlan.deployedBuildId === undefined
        ? {}
        : { deployedBuildId: stablePlan.deployedBuildId };
    return { plan: { kind: 'skip', decision: { outcome, reason, text, fields } }, stablePlan };
  }
  if (config.canary !== undefined) {
    const canary = canaryPlan(
      config.canary,
      config.deployment,
      stable,
      candidate,
      config.container,
    );
    return { plan: { kind: 'canary', canary }, stablePlan };
  }
  return { plan: { kind: 'rolling', patch: stablePlan }, stablePlan };
}

/**
 * The act half of the rollout: decide on the stable Deployment as read, then act by the strategy: the one
 * path of builds and models alike. `candidateFor` gives the candidate against
 * a read of the stable Deployment (a model runs on the image found there).
 */
export async function act(
  deps: Deps,
  options: HandleOptions,
  planOptions: PlanOptions,
  candidateFor: (stable: V1Deployment) => Candidate,
  finish: (d: Decision, candidate?: Candidate) => HandleResult,
  onDecided: (plan: PatchPlan) => void = () => undefined,
): Promise<HandleResult> {
  const { config } = deps;
  try {
    const decideOn = (stable: V1Deployment, c = candidateFor(stable)) => {
      const decided = decide(config, stable, c, planOptions);
      onDecided(decided.stablePlan);
      return decided;
    };
    const patchStart = deps.now();
    const stable = await deps.api.read(config.namespace, config.deployment);
    const candidate = candidateFor(stable);
    const done = (d: Decision): HandleResult => finish(d, candidate);
    const { plan, stablePlan } = decideOn(stable, candidate);
    if (options.dryRun) return done(dryRun(plan, candidate));
    if (plan.kind === 'skip') {
      return done({ ...plan.decision, durations: { patchMs: deps.now() - patchStart } });
    }
    if (plan.kind === 'canary') {
      return done(await startCanary(canaryDeps(deps), candidate, plan.canary, planOptions));
    }
    return done(
      await rollingDeploy(deps, candidate, stablePlan, (d) => decideOn(d).stablePlan, patchStart),
    );
  } catch (err) {
    return finish(failureOf(err));
  }
}

/** A dry run is the decision alone: the patch (or canary plan) that acting would send. */
function dryRun(plan: Plan, candidate: Candidate): Decision {
  if (plan.kind === 'skip') {
    const { outcome, reason } = plan.decision;
    return { outcome: Outcome.DRY_RUN, reason: outcome, text: `dry run: ${reason ?? outcome}` };
  }
  if (plan.kind === 'canary') {
    return {
      outcome: Outcome.DRY_RUN,
      text: `dry run: would start a canary of ${describeCandidate(candidate)} on ${plan.canary.canaryDeployment}`,
      fields: { canaryPlan: plan.canary },
      canaryPlan: plan.canary,
    };
  }
  return {
    outcome: Outcome.DRY_RUN,
    previousImage: plan.patch.previousImage,
    patch: plan.patch.patch,
    text: `dry run: would deploy ${describeCandidate(candidate)}`,
  };
}

/** The rolling strategy's act: patch the stable Deployment, watch it, settle. */
async function rollingDeploy(
  deps: Deps,
  candidate: Candidate,
  first: PatchPlan,
  redecide: (current: V1Deployment) => PatchPlan,
  patchStart: number,
): Promise<Decision> {
  const { config } = deps;
  const applied = await applyPlan(deps, `deploy ${candidate.buildId}`, first, redecide);
  const patchMs = deps.now() - patchStart;
  if (applied.kind === 'skipped') {
    const { outcome, reason, deployedBuildId } = applied.plan;
    return {
      outcome,
      reason,
      text: `${outcome}: ${reason}`,
      durations: { patchMs },
      fields: deployedBuildId === undefined ? {} : { deployedBuildId },
    };
  }
  const { plan } = applied;
  const patched = {
    previousImage: plan.previousImage,
    patch: plan.patch,
    fields: {
      container: plan.container,
      attempts: applied.attempts,
      ...(plan.forced ? { forced: true } : {}),
    },
  };
  if (config.rolloutTimeoutSeconds === 0) {
    return {
      outcome: Outcome.PATCHED,
      ...patched,
      durations: { patchMs },
      text: `patched ${plan.container} to ${describeTarget(plan)} (rollout not watched)`,
    };
  }
  const generation = applied.after.metadata?.generation ?? 0;
  const rollout = await watchRollout(deps, generation, config.rolloutTimeoutSeconds, plan);
  const settled = await settle(deps, plan, candidate, rollout);
  return {
    ...settled,
    ...patched,
    fields: { ...patched.fields, ...settled.fields },
    durations: { patchMs, rolloutMs: rollout.elapsedMs },
  };
}
