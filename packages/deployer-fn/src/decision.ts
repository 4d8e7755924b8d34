import type { LogFields, Severity } from '@maskops/shared';
import { describeError } from '@maskops/shared';
import type { CanaryPlan } from './canary/canary-start';
import type { Deps } from './deps';
import type { DeploymentPatch } from './rollout/deployment-patch';
import { DeployError, ErrorKind, transient } from './errors';
import type { Outcome } from './outcome';
import { OUTCOME_SEVERITY } from './outcome';

/**
 * What one message or canary step decided and did: the outcome, its one log
 * line's text and fields. Every path (rolling, canary start, step, dry run,
 * failure) ends in one of these and goes through `decisionLog`.
 */
export interface Decision {
  readonly outcome: Outcome;
  /** false only for transient failures: the invocation must fail so Pub/Sub redelivers. */
  readonly ack?: boolean;
  readonly reason?: string;
  readonly code?: string;
  readonly error?: DeployError;
  readonly text: string;
  readonly fields?: LogFields;
  /** When the outcome's usual severity understates it (an inconclusive promotion). */
  readonly severity?: Severity;
  readonly previousImage?: string;
  readonly patch?: DeploymentPatch;
  readonly canaryPlan?: CanaryPlan;
  readonly durations?: { patchMs?: number; rolloutMs?: number };
}

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

/**
 * The one log line of a decision and the result it goes with; `start` is when
 * the invocation began, `base` the fields every line of it carries, `about`
 * the build it concerns.
 */
export function decisionLog(deps: Pick<Deps, 'now' | 'logger'>, start: number, base: LogFields) {
  return (d: Decision, about: { buildId?: string; image?: string } = {}): HandleResult => {
    const { text, fields, severity, ack, ...rest } = d;
    const result: HandleResult = {
      ...rest,
      ack: ack ?? true,
      ...about,
      durations: { ...d.durations, totalMs: deps.now() - start },
    };
    deps.logger.log(severity ?? d.error?.severity ?? OUTCOME_SEVERITY[d.outcome], text, {
      ...base,
      outcome: result.outcome,
      ...(result.reason === undefined ? {} : { reason: result.reason }),
      ...(result.code === undefined ? {} : { code: result.code }),
      ...(result.buildId === undefined ? {} : { buildId: result.buildId }),
      ...(result.image === undefined ? {} : { image: result.image }),
      ...(result.previousImage === undefined ? {} : { previousImage: result.previousImage }),
      durations: result.durations,
      ...fields,
      // A bug, not a cluster problem: its stack is what the reader of the line needs.
      ...(result.code === 'INTERNAL' && d.error?.cause instanceof Error
        ? { stack: d.error.cause.stack }
        : {}),
    });
    return result;
  };
}

/**
 * A thrown error as a decision: a permanent DeployError is acknowledged
 * (REJECTED), a transient one retried, and anything else (a bug) is INTERNAL:
 * retried too, since a wrongly retried message costs a redelivery and a wrongly
 * dropped one loses a deploy. `what` prefixes the rejected line.
 */
export function failureOf(err: unknown, what = ''): Decision {
  const error =
    err instanceof DeployError
      ? err
      : transient('INTERNAL', describeError(err), { cause: err, severity: 'ERROR' });
  const ack = error.kind === ErrorKind.PERMANENT;
  return {
    outcome: ack ? 'rejected' : 'retry',
    ack,
    reason: error.message,
    code: error.code,
    error,
    text: ack ? `rejected: ${what}${error.message}` : `will retry: ${error.message}`,
  };
}
