import type { LogFields, Severity } from '@maskops/shared';
import { describeError } from '@maskops/shared';
import type { CanaryPlan } from './canary/canary-start';
import type { DeployDeps } from './deploy/deps';
import type { DeploymentPatch } from './deploy/plan-patch';
import { DeployError, ErrorKind, transient } from './errors';
import { Outcome, OUTCOME_SEVERITY } from './outcome';

export interface HandleResult {
  readonly outcome: Outcome;
  /** false only for transient failures: the invocation must fail so Pub/Sub redelivers. */
  readonly ack: boolean;
  readonly reason?: string;
  readonly code?: string;
  readonly buildId?: string;
  readonly image?: string;
  readonly previousImage?: string;
  readonly patch?: DeploymentPatch;
  readonly error?: DeployError;
  /** Dry run with ROLLOUT_STRATEGY=canary: what the canary start would do. */
  readonly canaryPlan?: CanaryPlan;
  readonly durations: { totalMs: number; patchMs?: number; rolloutMs?: number };
}

export type Decided = Omit<HandleResult, 'durations'> & {
  durations?: Partial<HandleResult['durations']>;
};

/**
 * The one log line of a decision (a Pub/Sub message or a canary step) and the
 * result it goes with; `start` is when the invocation began, `base` the fields
 * every line of it carries.
 */
export function decisionLog(
  deps: Pick<DeployDeps, 'now' | 'logger'>,
  start: number,
  base: LogFields,
) {
  return (
    result: Decided,
    text: string,
    fields: LogFields = {},
    severity: Severity = result.error?.severity ?? OUTCOME_SEVERITY[result.outcome],
  ): HandleResult => {
    const full: HandleResult = {
      ...result,
      durations: { ...result.durations, totalMs: deps.now() - start },
    };
    deps.logger.log(severity, text, {
      ...base,
      outcome: full.outcome,
      ...(full.reason === undefined ? {} : { reason: full.reason }),
      ...(full.code === undefined ? {} : { code: full.code }),
      ...(full.buildId === undefined ? {} : { buildId: full.buildId }),
      ...(full.image === undefined ? {} : { image: full.image }),
      ...(full.previousImage === undefined ? {} : { previousImage: full.previousImage }),
      durations: full.durations,
      ...fields,
    });
    return full;
  };
}

/**
 * A thrown error as a decision: a permanent DeployError is acknowledged
 * (REJECTED), anything else is retried; `text(what)` is its log line.
 */
export function failureOf(err: unknown): {
  result: Decided;
  text: (what: string) => string;
} {
  const error =
    err instanceof DeployError
      ? err
      : transient('KUBE_UNAVAILABLE', describeError(err), { cause: err });
  const ack = error.kind === ErrorKind.PERMANENT;
  return {
    result: {
      outcome: ack ? Outcome.REJECTED : Outcome.RETRY,
      ack,
      reason: error.message,
      code: error.code,
      error,
    },
    text: (what) => (ack ? `rejected: ${what}${error.message}` : `will retry: ${error.message}`),
  };
}
