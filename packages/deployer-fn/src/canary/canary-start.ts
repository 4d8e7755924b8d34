import type { V1Deployment } from '@kubernetes/client-node';
import type { DeployCandidate } from '@maskops/shared';
import { compareTimestamps } from '@maskops/shared';
import { Annotation } from '../deploy/annotations';
import { withConflictRetry } from '../deploy/conflict-retry';
import type { DeployDeps } from '../deploy/deps';
import type { PlanOptions } from '../deploy/plan-patch';
import { changeCause, planPatch } from '../deploy/plan-patch';
import { selectContainer } from '../deploy/select-container';
import { Outcome } from '../outcome';
import type { CanaryConfig } from './canary-config';
import type { CanaryDeps } from './canary-deps';
import { canaryName } from './canary-deps';
import type { CanaryDecision } from './canary-result';
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
  readonly replicas: number;
  readonly stableReadyReplicas: number;
  readonly firstStepInSeconds: number;
  readonly settings: Omit<CanaryConfig, 'tasksServiceAccount'>;
}

/**
 * The checks every delivery goes through before a canary: an aborted build is
 * not analysed again, and the stable Deployment's ordering and idempotency
 * (planPatch, as for a rolling deploy) decide the rest.
 */
export function precheck(
  deps: DeployDeps,
  stable: V1Deployment,
  candidate: DeployCandidate,
  options: PlanOptions,
): CanaryDecision | undefined {
  const plan = planPatch(stable, candidate, deps.config, options);
  if (plan.action === 'skip') {
    const { outcome, reason } = plan;
    const text =
      outcome === Outcome.ALREADY_ABORTED
        ? `already aborted: build ${candidate.buildId} failed its canary; not analysed again`
        : `${outcome}: ${reason}`;
    return { outcome, reason, text };
  }
  return undefined;
}

/** `maskops-replay --dry-run` with the canary strategy: what a start would do. */
export function canaryPlan(
  config: CanaryConfig,
  deployment: string,
  stable: V1Deployment,
  candidate: DeployCandidate,
): CanaryPlan {
  const ready = stable.status?.readyReplicas ?? 0;
  const { tasksServiceAccount: _sa, ...settings } = config;
  return {
    canaryDeployment: canaryName(deployment),
    image: candidate.image,
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
  candidate: DeployCandidate,
  options: PlanOptions,
): Promise<CanaryDecision> {
  const { namespace, deployment } = deps.config;
  const name = canaryName(deployment);
  const stable = await deps.api.read(namespace, deployment);
  const early = precheck(deps, stable, candidate, options);
  if (early) return early;

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
    const container = selectContainer(canary, deps.config.container);
    const replicas = canaryReplicas(deps.canary.weightPercent, stable.status?.readyReplicas ?? 0);
    const next: CanaryState = {
      buildId: candidate.buildId,
      phase: 'analysing',
      startedAt: new Date(deps.now()).toISOString(),
      step: 0,
      candidate,
      ...(options.force === undefined ? {} : { forcedAt: options.force.at }),
    };
    const resourceVersion = canary.metadata?.resourceVersion;
    await deps.api.patch(namespace, name, {
      metadata: {
        ...(resourceVersion === undefined ? {} : { resourceVersion }),
        annotations: {
          [Annotation.CHANGE_CAUSE]: changeCause(candidate, options.force !== undefined),
          [Annotation.BUILD_ID]: candidate.buildId,
          [Annotation.FINISH_TIME]: candidate.finishTime,
          [Annotation.COMMIT_SHA]: candidate.commitSha ?? null,
          // The force of `maskops-replay --force` holds through every later step.
          [Annotation.FORCED_BY_REPLAY]: options.force?.at ?? null,
          ...stateAnnotations(next),
        },
      },
      spec: {
        replicas,
        template: {
          // As for stable: a tag deploy must still change the template to roll.
          ...(candidate.digest === undefined
            ? { metadata: { annotations: { [Annotation.BUILD_ID]: candidate.buildId } } }
            : {}),
          spec: { containers: [{ name: container.name, image: candidate.image }] },
        },
      },
    });
    return { kind: 'started', replicas, superseded: state?.buildId, previous: state } as const;
  });

  if (started.kind === 'newer') {
    return {
      outcome: Outcome.STALE,
      reason: `newer build ${started.state.buildId} is in canary`,
      text: `stale: build ${candidate.buildId} is older than the canary build ${started.state.buildId}`,
    };
  }
  if (started.kind === 'running') {
    const { state } = started;
    if (state.phase === 'aborted') {
      return {
        outcome: Outcome.ALREADY_ABORTED,
        reason: `the canary of build ${candidate.buildId} was aborted`,
        text: `already aborted: build ${candidate.buildId} failed its canary; not analysed again`,
      };
    }
    // A redelivery after a lost enqueue must not strand the canary: ensure the next step.
    const enqueued = isTerminal(state.phase)
      ? undefined
      : await enqueueStep(deps, candidate.buildId, state.step + 1);
    return {
      outcome: Outcome.CANARY_RUNNING,
      reason: `canary of ${candidate.buildId} is ${state.phase} (step ${state.step})`,
      text: `canary of build ${candidate.buildId} already ${state.phase}`,
      fields: { step: state.step, phase: state.phase, ...(enqueued ? { enqueued } : {}) },
    };
  }
  const enqueued = await enqueueStep(deps, candidate.buildId, 1);
  const supersedes =
    started.superseded !== undefined && started.previous && !isTerminal(started.previous.phase)
      ? started.superseded
      : undefined;
  return {
    outcome: Outcome.CANARY_STARTED,
    text:
      `canary of ${candidate.image} started on ${name} with ${started.replicas} replica(s)` +
      (supersedes ? `, superseding build ${supersedes}` : ''),
    fields: {
      canaryDeployment: name,
      replicas: started.replicas,
      enqueued,
      ...(supersedes ? { supersededBuildId: supersedes } : {}),
    },
  };
}
