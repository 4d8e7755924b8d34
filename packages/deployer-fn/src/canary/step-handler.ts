import type { LogFields, Severity } from '@maskops/shared';
import { describeError } from '@maskops/shared';
import type { DeployDeps } from '../deploy/deps';
import { DeployError, ErrorKind, transient } from '../errors';
import type { HandleResult } from '../handler';
import { Outcome, OUTCOME_SEVERITY } from '../outcome';
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
  const { config, logger } = deps;
  const base: LogFields = {
    deployment: `${config.namespace}/${config.deployment}`,
    event: 'canary-step',
    ...logFields,
  };
  const finish = (
    r: Omit<HandleResult, 'durations'>,
    text: string,
    fields: LogFields = {},
    severity: Severity = r.error?.severity ?? OUTCOME_SEVERITY[r.outcome],
  ): HandleResult => {
    const full: HandleResult = { ...r, durations: { totalMs: deps.now() - start } };
    logger.log(severity, text, {
      ...base,
      outcome: full.outcome,
      ...(full.reason === undefined ? {} : { reason: full.reason }),
      ...(full.code === undefined ? {} : { code: full.code }),
      ...(full.buildId === undefined ? {} : { buildId: full.buildId }),
      ...(full.previousImage === undefined ? {} : { previousImage: full.previousImage }),
      durations: full.durations,
      ...fields,
    });
    return full;
  };

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
    const error =
      err instanceof DeployError
        ? err
        : transient('KUBE_UNAVAILABLE', describeError(err), { cause: err });
    const ack = error.kind === ErrorKind.PERMANENT;
    return finish(
      {
        outcome: ack ? Outcome.REJECTED : Outcome.RETRY,
        ack,
        reason: error.message,
        code: error.code,
        error,
        buildId: event.buildId,
      },
      ack
        ? `rejected: canary step ${event.step}: ${error.message}`
        : `will retry: ${error.message}`,
      { step: event.step },
    );
  }
}
