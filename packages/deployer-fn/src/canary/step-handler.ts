import type { LogFields } from '@maskops/shared';
import type { HandleResult } from '../decision-log';
import { decisionLog, failureOf } from '../decision-log';
import type { DeployDeps } from '../deploy/deps';
import { Outcome } from '../outcome';
import { asCanaryDeps } from './canary-deps';
import { canaryStep } from './canary-step';
import type { StepDecode } from './step-event';

/**
 * A `dev.maskops.canary.step` event: one step, one log line (with the step's
 * figures). Transient failures answer non-2xx, so Cloud Tasks retries the task;
 * permanent ones are logged and acknowledged, like a Pub/Sub message.
 */
export async function handleStepEvent(
  deps: DeployDeps,
  decoded: Exclude<StepDecode, { kind: 'not-a-step' }>,
  logFields: LogFields = {},
): Promise<HandleResult> {
  const start = deps.now();
  const { config } = deps;
  const base: LogFields = {
    deployment: `${config.namespace}/${config.deployment}`,
    event: 'canary-step',
    ...logFields,
  };
  const finish = decisionLog(deps, start, base);

  if (decoded.kind === 'malformed') {
    return finish(
      { outcome: Outcome.IGNORED, ack: true, reason: 'MALFORMED' },
      `ignored: canary step event ${decoded.detail}`,
    );
  }
  const { event } = decoded;
  if (config.canary === undefined) {
    return finish(
      { outcome: Outcome.IGNORED, ack: true, reason: 'CANARY_OFF', buildId: event.buildId },
      `ignored: canary step ${event.step} arrived but ROLLOUT_STRATEGY is not canary`,
      { step: event.step },
    );
  }
  try {
    const d = await canaryStep(asCanaryDeps(deps), event);
    return finish(
      {
        outcome: d.outcome,
        ack: true,
        buildId: event.buildId,
        ...(d.reason === undefined ? {} : { reason: d.reason }),
        ...(d.previousImage === undefined ? {} : { previousImage: d.previousImage }),
      },
      d.text,
      { step: event.step, ...d.fields },
      d.severity,
    );
  } catch (err) {
    const failure = failureOf(err);
    return finish(
      { ...failure.result, buildId: event.buildId },
      failure.text(`canary step ${event.step}: `),
      { step: event.step },
    );
  }
}
