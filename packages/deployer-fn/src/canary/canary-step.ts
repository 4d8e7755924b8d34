import type { V1Deployment } from '@kubernetes/client-node';
import { rolloutState } from '../deploy/watch-rollout';
import { Outcome } from '../outcome';
import type { CanaryDeps } from './canary-deps';
import { canaryName } from './canary-deps';
import { readEvidence } from './canary-figures';
import { promote, watchPromotion } from './canary-promotion';
import type { CanaryDecision } from './canary-result';
import type { CanaryState } from './canary-state';
import { isTerminal, readCanaryState } from './canary-state';
import { abortCanary, advance } from './canary-transitions';
import { enqueueStep } from './step-event';
import type { StepEvent } from './step-event';
import { canaryVerdict } from './verdict';

const skipped = (reason: string, text: string, fields = {}): CanaryDecision => ({
  outcome: Outcome.CANARY_STEP_SKIPPED,
  reason,
  text,
  fields,
});

/**
 * One step of the canary state machine. Idempotent: the step number recorded on
 * the canary Deployment says what is done, so a duplicate or late task exits,
 * and a task for a build that is no longer the canary's exits at once.
 */
export async function canaryStep(deps: CanaryDeps, event: StepEvent): Promise<CanaryDecision> {
  const name = canaryName(deps.config.deployment);
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
        ? await enqueueStep(deps, state.buildId, state.step + 1)
        : undefined;
    return skipped(
      'DUPLICATE',
      `step ${event.step} of build ${event.buildId}: recorded step is ${state.step}`,
      { ...about, recordedStep: state.step, ...(enqueued ? { enqueued } : {}) },
    );
  }
  if (state.phase === 'promoting') return watchPromotion(deps, read, state, event.step);
  return analyse(deps, read, state, event.step);
}

async function analyse(
  deps: CanaryDeps,
  read: V1Deployment,
  state: CanaryState,
  step: number,
): Promise<CanaryDecision> {
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
          text: `canary of ${state.candidate.image} not ready yet (step ${step})`,
          fields: { step, ready: false },
        },
      );
    }
    readyAt = new Date(now).toISOString();
  }
  const elapsed = (now - Date.parse(readyAt)) / 1000;
  // rate() needs two scrapes inside the window; early steps look a little back.
  const windowSeconds = Math.max(Math.ceil(elapsed), 2 * deps.canary.scrapeIntervalSeconds);
  const { project, zone: location, cluster, namespace } = deps.config;
  const scope = { project, location, cluster, namespace };
  const evidence = await readEvidence(
    deps.clients.prometheus,
    scope,
    state.buildId,
    windowSeconds,
    now / 1000,
  );
  const verdict = canaryVerdict(evidence, elapsed, deps.canary);
  const { figures } = verdict;
  const next = { ...state, readyAt };
  const fields = { step, figures, windowSeconds, elapsedSeconds: Math.round(elapsed) };
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
      text: `canary of ${state.candidate.image}: step ${step}, no breach`,
      fields: { ...fields, ready: true },
    },
  );
}

/** CANARY_READY_DEADLINE_SECONDS, or the stable Deployment's progress deadline. */
async function readyDeadlineSeconds(deps: CanaryDeps): Promise<number> {
  if (deps.canary.readyDeadlineSeconds !== undefined) return deps.canary.readyDeadlineSeconds;
  const stable = await deps.api.read(deps.config.namespace, deps.config.deployment);
  return stable.spec?.progressDeadlineSeconds ?? 600;
}
