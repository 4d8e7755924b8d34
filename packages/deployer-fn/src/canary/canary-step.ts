import type { V1Deployment } from '@kubernetes/client-node';
import { rolloutState } from '../deploy/watch-rollout';
import { Outcome } from '../outcome';
import type { CanaryDeps } from '../deps';
import { canaryDeploymentName, modelGenerationLabel } from '@maskops/shared';
import { modelPathOf } from '../deploy/model-path';
import { selectContainer } from '../deploy/select-container';
import { describeCandidate } from '../rollout/candidate';
import type { CanaryPin } from './canary-figures';
import { canaryLook } from './canary-look';
import { promote, watchPromotion } from './canary-promotion';
import type { Decision } from '../decision';
import type { CanaryState } from './canary-state';
import { isTerminal, readCanaryState } from './canary-state';
import { abortCanary, advance } from './canary-transitions';
import { enqueueStep } from './step-event';
import type { StepEvent } from './step-event';

const skipped = (reason: string, text: string, fields = {}): Decision => ({
  outcome: Outcome.CANARY_STEP_SKIPPED,
  reason,
  text,
  fields,
});

/** Short intervals (a demo, a test) still leave a step time to win a busy Deployment. */
const STEP_DEADLINE_MIN_SECONDS = 10;

/**
 * A step has until the next one would be due (at least STEP_DEADLINE_MIN_SECONDS)
 * to record what it did: a patch that conflicts (the rollout controller's status
 * writes, on a busy cluster many in a row) is retried on a fresh read until then,
 * not given up after a fixed count and redone as a whole by Cloud Tasks.
 */
export function stepDeadline(deps: CanaryDeps): number {
  const stepSeconds = Math.max(deps.config.canary.intervalSeconds, STEP_DEADLINE_MIN_SECONDS);
  return deps.now() + stepSeconds * 1000;
}

/**
 * One step of the canary state machine. Idempotent: the step number recorded on
 * the canary Deployment says what is done, so a duplicate or late task exits,
 * and a task for a build that is no longer the canary's exits at once.
 */
export async function canaryStep(deps: CanaryDeps, event: StepEvent): Promise<Decision> {
  const name = canaryDeploymentName(deps.config.deployment);
  const read = await deps.api.read(deps.config.namespace, name);
  const state = readCanaryState(read);
  const about = { step: event.step };
  if (state?.buildId !== event.buildId) {
    return skipped(
      'SUPERSEDED',
      `step ${event.step} of build ${event.buildId}: the canary now runs ${state?.buildId ?? 'no build'}`,
      about,
    );
  }
  if (isTerminal(state.phase)) {
    return skipped('FINISHED', `step ${event.step}: canary of ${event.buildId} is ${state.phase}`, {
      ...about,
      phase: state.phase,
    });
  }
  if (event.step !== state.step + 1) {
    // The step already done (a duplicate, or a retry after a lost enqueue): make
    // sure the next one exists. Cloud Tasks dedupes it by name.
    const enqueued =
      event.step === state.step
        ? await enqueueStep(deps, state.candidate, state.step + 1)
        : undefined;
    return skipped(
      'DUPLICATE',
      `step ${event.step} of build ${event.buildId}: recorded step is ${state.step}`,
      { ...about, recordedStep: state.step, ...(enqueued ? { enqueued } : {}) },
    );
  }
  if (state.phase === 'promoting' && state.promotion !== undefined) {
    return watchPromotion(deps, read, state, state.promotion, event.step);
  }
  return analyse(deps, read, state, event.step);
}

async function analyse(
  deps: CanaryDeps,
  read: V1Deployment,
  state: CanaryState,
  step: number,
): Promise<Decision> {
  const now = deps.now();
  let readyAt = state.readyAt;
  if (readyAt === undefined) {
    const ready = rolloutState(read, 0).done && (read.status?.readyReplicas ?? 0) > 0;
    if (!ready) {
      const deadline = await readyDeadlineSeconds(deps);
      const waited = (now - Date.parse(state.startedAt)) / 1000;
      if (waited > deadline) {
        return abortCanary(deps, read, state, step, {
          reason: 'NOT_READY',
          detail: `canary not ready ${Math.round(waited)} s after its start (deadline ${deadline} s)`,
        });
      }
      return advance(
        deps,
        read,
        { ...state, step },
        {
          outcome: Outcome.CANARY_CONTINUE,
          text: `canary of ${describeCandidate(state.candidate)} not ready yet (step ${step})`,
          fields: { step, ready: false },
        },
      );
    }
    readyAt = new Date(now).toISOString();
  }
  const { project, zone: location, cluster, namespace } = deps.config;
  const { warmupSeconds } = deps.config.canary;
  const { verdict, sinceReady, warming, elapsed, windowSeconds } = await canaryLook(
    deps.canaryClients.prometheus,
    { project, location, cluster, namespace },
    canaryPin(read, state, deps.config.container),
    { readyAtSeconds: Date.parse(readyAt) / 1000, nowSeconds: now / 1000 },
    deps.config.canary,
  );
  const { figures } = verdict;
  const next = { ...state, readyAt };
  const fields = {
    step,
    figures,
    windowSeconds,
    elapsedSeconds: Math.round(elapsed),
    ...(warmupSeconds > 0 ? { warmingUp: warming } : {}),
  };
  if (verdict.decision === 'abort') {
    return abortCanary(deps, read, next, step, { ...verdict, figures });
  }
  if (verdict.decision === 'promote') return promote(deps, read, next, step, figures, verdict);
  return advance(
    deps,
    read,
    { ...next, step, figures },
    {
      outcome: Outcome.CANARY_CONTINUE,
      text: warming
        ? `canary of ${describeCandidate(state.candidate)}: step ${step}, warming up (${Math.round(sinceReady)} of ${warmupSeconds} s), no catastrophe`
        : `canary of ${describeCandidate(state.candidate)}: step ${step}, no breach`,
      fields: { ...fields, ready: true },
    },
  );
}

/**
 * What the canary track's series are pinned to: the build its pods run (a
 * model canary runs the stable's build) and the model generation of the
 * MODEL_PATH it was given, as inference-api labels them.
 */
function canaryPin(
  read: V1Deployment,
  state: CanaryState,
  container: string | undefined,
): CanaryPin {
  const { model } = state.candidate;
  const build = model === undefined ? state.buildId : model.build;
  return {
    ...(build === undefined ? {} : { build }),
    model: modelGenerationLabel(modelPathOf(selectContainer(read, container)) ?? ''),
  };
}

/** CANARY_READY_DEADLINE_SECONDS, or the stable Deployment's progress deadline. */
async function readyDeadlineSeconds(deps: CanaryDeps): Promise<number> {
  if (deps.config.canary.readyDeadlineSeconds !== undefined)
    return deps.config.canary.readyDeadlineSeconds;
  const stable = await deps.api.read(deps.config.namespace, deps.config.deployment);
  return stable.spec?.progressDeadlineSeconds ?? 600;
}
