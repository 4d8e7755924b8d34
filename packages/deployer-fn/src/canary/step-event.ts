import { CloudEventMode, cloudEventRequest, isObj } from '@maskops/shared';
import type { CanaryDeps } from '../deps';
import type { EnqueueResult } from './cloud-tasks-client';
import { taskId } from './cloud-tasks-client';

/** The CloudEvent type the canary's Cloud Tasks post back to `onNewImage`. */
export const STEP_EVENT_TYPE = 'dev.maskops.canary.step';
export const STEP_EVENT_SOURCE = '//maskops.dev/deployer';

export interface StepEvent {
  readonly buildId: string;
  readonly step: number;
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
  const d = (data ?? {}) as { buildId?: unknown; step?: unknown };
  if (typeof d.buildId !== 'string' || d.buildId === '' || d.buildId.length > 200) {
    return { kind: 'malformed', detail: 'data.buildId must be a non-empty string' };
  }
  if (typeof d.step !== 'number' || !Number.isSafeInteger(d.step) || d.step < 1) {
    return { kind: 'malformed', detail: 'data.step must be a positive integer' };
  }
  return { kind: 'step', event: { buildId: d.buildId, step: d.step } };
}

/** The task id of a step: Cloud Tasks dedupes by it, so enqueueing twice is harmless. */
const stepTaskId = (buildId: string, step: number): string => taskId(`${buildId}-step-${step}`);

/** Schedules `step` of `buildId` CANARY_INTERVAL_SECONDS from now. */
export async function enqueueStep(
  deps: CanaryDeps,
  buildId: string,
  step: number,
): Promise<EnqueueResult> {
  const now = deps.now();
  const id = stepTaskId(buildId, step);
  const data: StepEvent = { buildId, step };
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
