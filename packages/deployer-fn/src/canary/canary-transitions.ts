import type { V1Deployment } from '@kubernetes/client-node';
import { Outcome } from '../outcome';
import type { CanaryDeps } from './canary-deps';
import { canaryName } from './canary-deps';
import type { CanaryDecision } from './canary-result';
import type { CanaryState } from './canary-state';
import { CanaryAnnotation, stateAnnotations } from './canary-state';
import { enqueueStep } from './step-event';
import type { AbortReason, Figures } from './verdict';

/**
 * Writes the canary's new state with the resourceVersion read at the start of
 * the step: of two copies of one step running at once, the second gets a 409,
 * is redelivered, and then finds the step done. `replicas` 0 scales it down.
 */
export async function writeState(
  deps: CanaryDeps,
  read: V1Deployment,
  next: CanaryState,
  replicas?: number,
): Promise<void> {
  const resourceVersion = read.metadata?.resourceVersion;
  await deps.api.patch(deps.config.namespace, canaryName(deps.config.deployment), {
    metadata: {
      ...(resourceVersion === undefined ? {} : { resourceVersion }),
      annotations: stateAnnotations(next),
    },
    ...(replicas === undefined ? {} : { spec: { replicas } }),
  });
}

/** Records the step and schedules the next one. */
export async function advance(
  deps: CanaryDeps,
  read: V1Deployment,
  next: CanaryState,
  decision: Omit<CanaryDecision, 'fields'> & { fields?: CanaryDecision['fields'] },
): Promise<CanaryDecision> {
  await writeState(deps, read, next);
  const enqueued = await enqueueStep(deps, next.buildId, next.step + 1);
  return { ...decision, fields: { ...decision.fields, nextStep: next.step + 1, enqueued } };
}

/**
 * Abort: the stable Deployment keeps serving and keeps its ordering key; it gets
 * the `maskops.dev/canary-aborted` record (so a redelivery is not analysed
 * again) and the canary goes to 0 replicas.
 */
export async function abortCanary(
  deps: CanaryDeps,
  read: V1Deployment,
  state: CanaryState,
  step: number,
  why: { reason: AbortReason; detail: string; figures?: Figures },
): Promise<CanaryDecision> {
  const at = new Date(deps.now()).toISOString();
  const record = {
    build: state.buildId,
    reason: why.reason,
    detail: why.detail,
    ...(why.figures ? { figures: why.figures } : {}),
    at,
  };
  // No resourceVersion: an annotation of its own, written the same way by any copy.
  await deps.api.patch(deps.config.namespace, deps.config.deployment, {
    metadata: { annotations: { [CanaryAnnotation.ABORTED]: JSON.stringify(record) } },
  });
  await writeState(
    deps,
    read,
    {
      ...state,
      phase: 'aborted',
      step,
      ...(why.figures ? { figures: why.figures } : {}),
      finishedAt: at,
    },
    0,
  );
  return {
    outcome: Outcome.CANARY_ABORTED,
    reason: `${why.reason}: ${why.detail}`,
    text: `canary of ${state.candidate.image} aborted at step ${step}: ${why.detail}`,
    fields: { step, abortReason: why.reason, ...(why.figures ? { figures: why.figures } : {}) },
  };
}
