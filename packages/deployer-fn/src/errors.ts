import type { Severity } from '@maskops/shared';
import { MaskopsError } from '@maskops/shared';

/**
 * Every failure is either permanent (redelivery cannot help: log, acknowledge)
 * or transient (fail the invocation so Pub/Sub redelivers). The handler maps
 * anything it does not recognise to transient: a wrongly retried message costs
 * a redelivery, a wrongly dropped one loses a deploy.
 */
export const ErrorKind = { PERMANENT: 'permanent', TRANSIENT: 'transient' } as const;
export type ErrorKind = (typeof ErrorKind)[keyof typeof ErrorKind];

export const DeployErrorCode = {
  CONTAINER_API_NOT_FOUND: 'CONTAINER_API_NOT_FOUND',
  CONTAINER_API_FORBIDDEN: 'CONTAINER_API_FORBIDDEN',
  CONTAINER_API_BAD_RESPONSE: 'CONTAINER_API_BAD_RESPONSE',
  CONTAINER_API_UNAVAILABLE: 'CONTAINER_API_UNAVAILABLE',
  /** The cluster CA is not a PEM certificate: a configuration error, retried until fixed. */
  CLUSTER_CA_INVALID: 'CLUSTER_CA_INVALID',
  CREDENTIALS_UNAVAILABLE: 'CREDENTIALS_UNAVAILABLE',
  KUBECONFIG_INVALID: 'KUBECONFIG_INVALID',
  DEPLOYMENT_NOT_FOUND: 'DEPLOYMENT_NOT_FOUND',
  KUBE_FORBIDDEN: 'KUBE_FORBIDDEN',
  KUBE_UNAUTHORIZED: 'KUBE_UNAUTHORIZED',
  KUBE_REJECTED: 'KUBE_REJECTED',
  KUBE_UNAVAILABLE: 'KUBE_UNAVAILABLE',
  KUBE_CONFLICT: 'KUBE_CONFLICT',
  CONTAINER_NOT_FOUND: 'CONTAINER_NOT_FOUND',
  CONTAINER_AMBIGUOUS: 'CONTAINER_AMBIGUOUS',
  /** MODEL_PATH comes from a ConfigMap or Secret: a model rollout cannot pin it. */
  MODEL_PATH_FROM_REFERENCE: 'MODEL_PATH_FROM_REFERENCE',
  /** Prometheus query API: unreachable, 5xx, 429 or a timeout (canary). */
  METRICS_UNAVAILABLE: 'METRICS_UNAVAILABLE',
  /** Prometheus refused the query or the credentials (4xx): a configuration error. */
  METRICS_REJECTED: 'METRICS_REJECTED',
  /** Cloud Tasks: unreachable, 5xx, 429 or a timeout (canary). */
  TASKS_UNAVAILABLE: 'TASKS_UNAVAILABLE',
  /** Another copy of a canary step moved the state first: redelivered, the step finds itself done. */
  CANARY_STATE_CHANGED: 'CANARY_STATE_CHANGED',
  /** Cloud Tasks refused the task (4xx other than ALREADY_EXISTS). */
  TASKS_REJECTED: 'TASKS_REJECTED',
  /** A canary step or start reached an instance without ROLLOUT_STRATEGY=canary set up. */
  CANARY_NOT_CONFIGURED: 'CANARY_NOT_CONFIGURED',
  /** An unexpected exception (a bug): retried, its stack in the ERROR line. */
  INTERNAL: 'INTERNAL',
} as const;
export type DeployErrorCode = (typeof DeployErrorCode)[keyof typeof DeployErrorCode];

export interface DeployErrorOptions {
  cause?: unknown;
  details?: Record<string, unknown>;
  /** Log severity when the outcome's usual one understates it (a configuration error). */
  severity?: Severity;
}

export class DeployError extends MaskopsError {
  readonly kind: ErrorKind;
  readonly severity?: Severity;
  constructor(
    kind: ErrorKind,
    code: DeployErrorCode,
    message: string,
    options: DeployErrorOptions = {},
  ) {
    const { severity, ...rest } = options;
    super(code, message, rest);
    this.kind = kind;
    if (severity !== undefined) this.severity = severity;
  }
}

export const permanent = (
  code: DeployErrorCode,
  message: string,
  options?: DeployErrorOptions,
): DeployError => new DeployError(ErrorKind.PERMANENT, code, message, options);

export const transient = (
  code: DeployErrorCode,
  message: string,
  options?: DeployErrorOptions,
): DeployError => new DeployError(ErrorKind.TRANSIENT, code, message, options);

export function isPermanent(err: unknown): err is DeployError {
  return err instanceof DeployError && err.kind === ErrorKind.PERMANENT;
}

/** HTTP status of a failed call, whatever client raised it. */
export function statusOf(err: unknown): number | undefined {
  if (typeof err !== 'object' || err === null) return undefined;
  const e = err as { code?: unknown; status?: unknown; statusCode?: unknown };
  for (const v of [e.code, e.status, e.statusCode]) {
    if (typeof v === 'number' && v >= 100 && v < 600) return v;
  }
  return undefined;
}

/** Maps a failed Kubernetes call to the taxonomy; `what` names the operation for logs. */
export function classifyKubeError(err: unknown, what: string): DeployError {
  if (err instanceof DeployError) return err;
  const status = statusOf(err);
  const details = { operation: what, ...(status === undefined ? {} : { status }) };
  const msg = `${what}: ${status === undefined ? describe(err) : `HTTP ${status}`}`;
  if (status === 404) return permanent('DEPLOYMENT_NOT_FOUND', msg, { cause: err, details });
  if (status === 403) return permanent('KUBE_FORBIDDEN', msg, { cause: err, details });
  if (status === 401) return transient('KUBE_UNAUTHORIZED', msg, { cause: err, details });
  if (status === 409) return transient('KUBE_CONFLICT', msg, { cause: err, details });
  // 400/422: the API server refuses this patch; resending it will not change that.
  if (status === 400 || status === 422)
    return permanent('KUBE_REJECTED', msg, { cause: err, details });
  return transient('KUBE_UNAVAILABLE', msg, { cause: err, details });
}

function describe(err: unknown): string {
  if (err instanceof Error) {
    const cause = (err as { cause?: unknown }).cause;
    const code =
      (err as { code?: unknown }).code ?? (cause as { code?: unknown } | undefined)?.code;
    return `${err.name}: ${err.message.slice(0, 200)}${typeof code === 'string' ? ` (${code})` : ''}`;
  }
  return String(err).slice(0, 200);
}
