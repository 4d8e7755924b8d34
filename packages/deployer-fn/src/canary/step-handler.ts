import type { LogFields } from '@maskops/shared';
import type { HandleResult } from '../decision';
import { decisionLog, failureOf } from '../decision';
import type { Deps } from '../deps';
import { canaryDeps } from '../deps';
import { Outcome } from '../outcome';
import { canaryStep, stepDeadline } from './canary-step';
import type { StepDecode } from './step-event';

/**
 * A `dev.maskops.canary.step` event: one step, one log line (with the step's
 * figures). Transient failures answer non-2xx, so Cloud Tasks retries the task;
 * permanent ones are logged and acknowledged, like a Pub/Sub message.
 */
export async function handleStepEvent(
  deps: Deps,
  decoded: Exclude<StepDecode, { kind: 'not-a-step' }>,
  logFields: LogFields = {},
): Promise<HandleResult> {
  const { config } = deps;
  const log = decisionLog(deps, deps.now(), {
    deployment: `${config.namespace}/${config.deployment}`,
    event: 'canary-step',
    ...logFields,
  });
  if (decoded.kind === 'malformed') {
    return log({
      outcome: Outcome.IGNORED,
      reason: 'MALFORMED',
      text: `ignored: canary step event ${decoded.detail}`,
    });
  }
  const { event } = decoded;
  const about = { buildId: event.buildId };
  const step = { step: event.step, ...(event.model === undefined ? {} : { model: event.model }) };
  if (config.canary === undefined) {
    return log(
      {
        outcome: Outcome.IGNORED,
        reason: 'CANARY_OFF',
        text: `ignored: canary step ${event.step} arrived but ROLLOUT_STRATEGY is not canary`,
        fields: step,
      },
      about,
    );
  }
  try {
    const canary = canaryDeps(deps);
    const d = await canaryStep({ ...canary, patchDeadline: stepDeadline(canary) }, event);
    return log({ ...d, fields: { ...step, ...d.fields } }, about);
  } catch (err) {
    return log({ ...failureOf(err, `canary step ${event.step}: `), fields: step }, about);
  }
}
