import type { V1Deployment } from '@kubernetes/client-node';
import { canaryDeploymentName, compareTimestamps } from '@maskops/shared';
import type { Decision } from '../decision';
import { withConflictRetry } from '../deploy/conflict-retry';
import type { PlanOptions } from '../deploy/plan-patch';
import { selectContainer } from '../deploy/select-container';
import type { CanaryDeps } from '../deps';
import { Outcome } from '../outcome';
import { modelPathOf } from '../deploy/model-path';
import type { Candidate } from '../rollout/candidate';
import { describeCandidate, nameOf } from '../rollout/candidate';
import { deployPatch } from '../rollout/deployment-patch';
import type { CanaryConfig } from './canary-config';
import type { CanaryState } from './canary-state';
import { isTerminal, readCanaryState, stateAnnotations } from './canary-state';
import { enqueueStep } from './step-event';

/** Canary replicas: the weight's share of the stable ready replicas, at least one pod. */
function canaryReplicas(weightPercent: number, stableReady: number): number {
  return Math.max(1, Math.round((weightPercent * stableReady) / 100));
}

export interface CanaryPlan {
  readonly canaryDeployment: string;
  readonly image: string;
  /**
   * The MODEL_PATH the canary runs: a model's URI, or for a build the stable's
   * (null: it has none), so a canary differs from stable in exactly one thing.
   */
  readonly modelPath: string | null;
  readonly replicas: number;
  readonly stableReadyReplicas: number;
  readonly firstStepInSeconds: number;
  readonly settings: Omit<CanaryConfig, 'tasksServiceAccount'>;
}

/** What a canary start of `candidate` does, decided from the stable Deployment as read (also the dry run). */
export function canaryPlan(
  config: CanaryConfig,
  deployment: string,
  stable: V1Deployment,
  candidate: Candidate,
  container: string | undefined,
): CanaryPlan {
  const ready = stable.status?.readyReplicas ?? 0;
  const { tasksServiceAccount: _sa, ...settings } = config;
  return {
    canaryDeployment: canaryDeploymentName(deployment),
    image: candidate.image,
    modelPath: candidate.model?.uri ?? modelPathOf(selectContainer(stable, container)),
    replicas: canaryReplicas(config.weightPercent, ready),
    stableReadyReplicas: ready,
    firstStepInSeconds: config.intervalSeconds,
    settings,
  };
}

/**
 * Starts (or re-ensures) the canary of `candidate`: the canary Deployment gets
 * the image and its replicas, the state annotations, and step 1 is scheduled.
 * A newer build replaces an older build's canary; the older one's steps then
 * find another build annotated and exit.
 */
export async function startCanary(
  deps: CanaryDeps,
  candidate: Candidate,
  plan: CanaryPlan,
  options: PlanOptions,
): Promise<Decision> {
  const { namespace } = deps.config;
  const name = plan.canaryDeployment;
  const started = await withConflictRetry(deps, `canary ${candidate.buildId}`, async () => {
    const canary = await deps.api.read(namespace, name);
    const state = readCanaryState(canary);
    if (state?.buildId === candidate.buildId) return { kind: 'running', state } as const;
    if (
      state &&
      options.force === undefined &&
      !isTerminal(state.phase) &&
      compareTimestamps(candidate.finishTime, state.candidate.finishTime) < 0
    ) {
      return { kind: 'newer', state } as const;
    }
    const next: CanaryState = {
      buildId: candidate.buildId,
      phase: 'analysing',
      startedAt: new Date(deps.now()).toISOString(),
      step: 0,
      candidate,
      ...(options.force === undefined ? {} : { forcedAt: options.force.at }),
    };
    await deps.api.patch(
      namespace,
      name,
      deployPatch({
        candidate,
        container: selectContainer(canary, deps.config.container).name,
        resourceVersion: canary.metadata?.resourceVersion,
        canaryModelPath: plan.modelPath,
        // The force of `maskops-replay --force` holds through every later step.
        forcedAt: next.forcedAt,
        replicas: plan.replicas,
        extra: stateAnnotations(next),
      }),
    );
    return { kind: 'started', superseded: state?.buildId, previous: state } as const;
  });

  if (started.kind === 'newer') {
    return {
      outcome: Outcome.STALE,
      reason: `newer build ${started.state.buildId} is in canary`,
      text: `stale: ${nameOf(candidate)} is older than the canary's ${nameOf(started.state.candidate)}`,
    };
  }
  if (started.kind === 'running') {
    const { state } = started;
    if (state.phase === 'aborted') {
      return {
        outcome: Outcome.ALREADY_ABORTED,
        reason: `the canary of ${nameOf(candidate)} was aborted`,
        text: `already aborted: ${nameOf(candidate)} failed its canary; not analysed again`,
      };
    }
    // A redelivery after a lost enqueue must not strand the canary: ensure the next step.
    const enqueued = isTerminal(state.phase)
      ? undefined
      : await enqueueStep(deps, candidate, state.step + 1);
    return {
      outcome: Outcome.CANARY_RUNNING,
      reason: `canary of ${candidate.buildId} is ${state.phase} (step ${state.step})`,
      text: `canary of ${nameOf(candidate)} already ${state.phase}`,
      fields: { step: state.step, phase: state.phase, ...(enqueued ? { enqueued } : {}) },
    };
  }
  const enqueued = await enqueueStep(deps, candidate, 1);
  const supersedes =
    started.superseded !== undefined && started.previous && !isTerminal(started.previous.phase)
      ? started.superseded
      : undefined;
  return {
    outcome: Outcome.CANARY_STARTED,
    text:
      `canary of ${describeCandidate(candidate)} started on ${name} with ${plan.replicas} replica(s)` +
      (supersedes ? `, superseding build ${supersedes}` : ''),
    fields: {
      canaryDeployment: name,
      replicas: plan.replicas,
      enqueued,
      ...(supersedes ? { supersededBuildId: supersedes } : {}),
    },
  };
}
