import { CloudEventMode, cloudEventRequest, isObj, parseModelUri } from '@maskops/shared';
import type { Candidate } from '../rollout/candidate';
import type { CanaryDeps } from '../deps';
import type { EnqueueResult } from './cloud-tasks-client';
import { taskId } from './cloud-tasks-client';

/** The CloudEvent type the canary's Cloud Tasks post back to `onNewImage`. */
export const STEP_EVENT_TYPE = 'dev.maskops.canary.step';
export const STEP_EVENT_SOURCE = '//maskops.dev/deployer';

export interface StepEvent {
  /** The rollout's id: a build id, or `model-GENERATION` for a model canary. */
  readonly buildId: string;
  readonly step: number;
  /** A model canary's pinned model URI: the canary's state says the same, this tells a reader. */
  readonly model?: string;
}

export type StepDecode =
  | { readonly kind: 'not-a-step' }
  | { readonly kind: 'malformed'; readonly detail: string }
  | { readonly kind: 'step'; readonly event: StepEvent };

/** A structured (or binary) CloudEvent of type dev.maskops.canary.step, checked field by field. */
export function decodeStepEvent(event: unknown): StepDecode {
  if (!isObj(event) || event.type !== STEP_EVENT_TYPE) return { kind: 'not-a-step' };
  let data = event.data;
  if (typeof data === 'string') {
    try {
      data = JSON.parse(data);
    } catch {
      return { kind: 'malformed', detail: 'data is not JSON' };
    }
  }
  const d = (data ?? {}) as { buildId?: unknown; step?: unknown; model?: unknown };
  if (typeof d.buildId !== 'string' || d.buildId === '' || d.buildId.length > 200) {
    return { kind: 'malformed', detail: 'data.buildId must be a non-empty string' };
  }
  if (typeof d.step !== 'number' || !Number.isSafeInteger(d.step) || d.step < 1) {
    return { kind: 'malformed', detail: 'data.step must be a positive integer' };
  }
  if (
    d.model !== undefined &&
    (typeof d.model !== 'string' || parseModelUri(d.model) === undefined)
  ) {
    return { kind: 'malformed', detail: 'data.model must be a pinned model URI' };
  }
  const model = d.model === undefined ? {} : { model: d.model };
  return { kind: 'step', event: { buildId: d.buildId, step: d.step, ...model } };
}

/** The task id of a step: Cloud Tasks dedupes by it, so enqueueing twice is harmless. */
const stepTaskId = (buildId: string, step: number): string => taskId(`${buildId}-step-${step}`);

/** Schedules `step` of the canary of `rollout` CANARY_INTERVAL_SECONDS from now. */
export async function enqueueStep(
  deps: CanaryDeps,
  rollout: Pick<Candidate, 'buildId' | 'model'>,
  step: number,
): Promise<EnqueueResult> {
  const now = deps.now();
  const { buildId } = rollout;
  const id = stepTaskId(buildId, step);
  const data: StepEvent = {
    buildId,
    step,
    ...(rollout.model === undefined ? {} : { model: rollout.model.uri }),
  };
  const event = cloudEventRequest(
    {
      type: STEP_EVENT_TYPE,
      source: STEP_EVENT_SOURCE,
      id,
      time: new Date(now).toISOString(),
      data,
    },
    CloudEventMode.STRUCTURED,
  );
  return deps.canaryClients.tasks.enqueue({
    id,
    scheduleTime: new Date(now + deps.config.canary.intervalSeconds * 1000),
    url: deps.config.canary.functionUrl,
    ...event,
    oidc: {
      serviceAccountEmail: deps.config.canary.tasksServiceAccount,
      audience: deps.config.canary.functionUrl,
    },
  });
}
