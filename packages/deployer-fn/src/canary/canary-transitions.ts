import type { V1Deployment } from '@kubernetes/client-node';
import { CanaryAnnotation, canaryDeploymentName } from '@maskops/shared';
import { abortedBuild, compareBuilds, compareModels } from '../deploy/aborted-build';
import { describeCandidate } from '../rollout/candidate';
import { withConflictRetry } from '../deploy/conflict-retry';
import { transient } from '../errors';
import { Outcome } from '../outcome';
import type { CanaryDeps } from '../deps';
import type { Decision } from '../decision';
import type { CanaryState } from './canary-state';
import { readCanaryState, stateAnnotations } from './canary-state';
import { enqueueStep } from './step-event';
import type { AbortReason, Figures } from './verdict';

/**
 * Writes the canary's new state as a compare-and-swap on the recorded state:
 * the patch carries a resourceVersion, and on a conflict (the rollout
 * controller's status writes bump it too) the write is retried only while the
 * canary still holds the state this step started from. Of two copies of one
 * step running at once, the second thus fails (redelivered, it then finds the
 * step done). `replicas` 0 scales the canary down.
 */
export async function writeState(
  deps: CanaryDeps,
  read: V1Deployment,
  next: CanaryState,
  replicas?: number,
): Promise<void> {
  const { namespace } = deps.config;
  const name = canaryDeploymentName(deps.config.deployment);
  const from = stateAnnotations(readCanaryState(read)!);
  let current = read;
  await withConflictRetry(deps, `canary state ${next.buildId}`, async (attempt) => {
    if (attempt > 1) {
      current = await deps.api.read(namespace, name);
      const now = readCanaryState(current);
      if (!now || JSON.stringify(stateAnnotations(now)) !== JSON.stringify(from)) {
        throw transient(
          'CANARY_STATE_CHANGED',
          `canary state of ${next.buildId} changed meanwhile`,
        );
      }
    }
    const resourceVersion = current.metadata?.resourceVersion;
    await deps.api.patch(namespace, name, {
      metadata: {
        ...(resourceVersion === undefined ? {} : { resourceVersion }),
        annotations: stateAnnotations(next),
      },
      ...(replicas === undefined ? {} : { spec: { replicas } }),
    });
  });
}

/** Records the step and schedules the next one. */
export async function advance(
  deps: CanaryDeps,
  read: V1Deployment,
  next: CanaryState,
  decision: Omit<Decision, 'fields'> & { fields?: Decision['fields'] },
): Promise<Decision> {
  await writeState(deps, read, next);
  const enqueued = await enqueueStep(deps, next.candidate, next.step + 1);
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
): Promise<Decision> {
  const at = new Date(deps.now()).toISOString();
  const { namespace, deployment } = deps.config;
  const { model } = state.candidate;
  const record = {
    build: state.buildId,
    finishTime: state.candidate.finishTime,
    ...(model === undefined ? {} : { model: model.uri }),
    reason: why.reason,
    detail: why.detail,
    ...(why.figures ? { figures: why.figures } : {}),
    at,
  };
  // The record keeps the newest aborted build (see aborted-build.ts): a forced
  // replay of an older build that aborts too must not lower it.
  // Models keep their own record, ordered by generation (see aborted-build.ts).
  await withConflictRetry(deps, `abort ${state.buildId}`, async () => {
    const stable = await deps.api.read(namespace, deployment);
    const recorded = abortedBuild(stable, model === undefined ? 'build' : 'model');
    if (model === undefined) {
      if (
        recorded?.finishTime !== undefined &&
        compareBuilds(state.candidate, { ...recorded, finishTime: recorded.finishTime }) < 0
      ) {
        return;
      }
    } else if (recorded?.model !== undefined && (compareModels(model, recorded.model) ?? 1) < 0) {
      return;
    }
    const resourceVersion = stable.metadata?.resourceVersion;
    const key = model === undefined ? CanaryAnnotation.ABORTED : CanaryAnnotation.ABORTED_MODEL;
    await deps.api.patch(namespace, deployment, {
      metadata: {
        ...(resourceVersion === undefined ? {} : { resourceVersion }),
        annotations: { [key]: JSON.stringify(record) },
      },
    });
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
    text: `canary of ${describeCandidate(state.candidate)} aborted at step ${step}: ${why.detail}`,
    fields: { step, abortReason: why.reason, ...(why.figures ? { figures: why.figures } : {}) },
  };
}
