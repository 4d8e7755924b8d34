import type { TokenSource } from '../cluster/token-source';
import { permanent } from '../errors';
import { googleHttp } from './google-http';

interface Sample {
  readonly metric: Readonly<Record<string, string>>;
  /** NaN and ±Inf come back as such ("NaN", "+Inf"). */
  readonly value: number;
}

export interface PrometheusClient {
  /** An instant query; `time` in unix seconds (default: the server's now). */
  query(promql: string, time?: number): Promise<Sample[]>;
}

const CODES = { unavailable: 'METRICS_UNAVAILABLE', rejected: 'METRICS_REJECTED' } as const;

/**
 * The Prometheus HTTP API (`{base}/api/v1/query`); on GKE, Managed Service for
 * Prometheus, which wants the function's access token.
 */
export function prometheusClient(
  baseUrl: string,
  tokenSource: TokenSource,
  options: { timeoutMs?: number } = {},
): PrometheusClient {
  return {
    async query(promql, time) {
      // GET with URL parameters and an empty body, as the Managed Service for
      // Prometheus REST reference documents the query method.
      const params = new URLSearchParams({ query: promql });
      if (time !== undefined) params.set('time', String(time));
      const { body } = await googleHttp(
        'Prometheus query',
        CODES,
        { tokenSource, ...options },
        `${baseUrl}/api/v1/query?${params.toString()}`,
        { method: 'GET' },
      );
      return parseVector(body);
    },
  };
}

function parseVector(body: unknown): Sample[] {
  const b = body as {
    status?: unknown;
    data?: { resultType?: unknown; result?: unknown };
  };
  if (b?.status !== 'success' || b.data?.resultType !== 'vector' || !Array.isArray(b.data.result)) {
    throw permanent('METRICS_REJECTED', 'Prometheus query: the answer is not an instant vector');
  }
  return b.data.result.map((r: { metric?: Record<string, string>; value?: unknown }) => {
    const v = Array.isArray(r.value) ? Number(r.value[1]) : NaN;
    return { metric: r.metric ?? {}, value: v };
  });
}
