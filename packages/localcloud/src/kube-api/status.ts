const STATUS_REASON = {
  400: 'BadRequest',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'NotFound',
  405: 'MethodNotAllowed',
  406: 'NotAcceptable',
  409: 'Conflict',
  410: 'Expired',
  413: 'RequestEntityTooLarge',
  415: 'UnsupportedMediaType',
  422: 'Invalid',
  429: 'TooManyRequests',
  500: 'InternalError',
  503: 'ServiceUnavailable',
  504: 'Timeout',
} as const satisfies Record<number, string>;

export interface KubeStatus {
  kind: 'Status';
  apiVersion: 'v1';
  metadata: Record<string, never>;
  status: 'Failure' | 'Success';
  message: string;
  reason: string;
  code: number;
  details?: { name?: string; group?: string; kind?: string; uid?: string };
}

export function kubeStatus(
  code: number,
  message: string,
  opts: { reason?: string; name?: string } = {},
): KubeStatus {
  const reason = opts.reason ?? (STATUS_REASON as Record<number, string>)[code] ?? 'Unknown';
  const status: KubeStatus = {
    kind: 'Status',
    apiVersion: 'v1',
    metadata: {},
    status: code < 400 ? 'Success' : 'Failure',
    message,
    reason,
    code,
  };
  if (opts.name !== undefined) {
    status.details = { name: opts.name, group: 'apps', kind: 'deployments' };
  }
  return status;
}

/** An error the API server answers as a Kubernetes `Status` object. */
export class KubeApiError extends Error {
  constructor(
    readonly code: number,
    message: string,
    readonly reason?: string,
    readonly resourceName?: string,
  ) {
    super(message);
  }

  toStatus(): KubeStatus {
    const opts: { reason?: string; name?: string } = {};
    if (this.reason !== undefined) opts.reason = this.reason;
    if (this.resourceName !== undefined) opts.name = this.resourceName;
    return kubeStatus(this.code, this.message, opts);
  }
}
