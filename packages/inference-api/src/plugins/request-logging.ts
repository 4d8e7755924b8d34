import { randomUUID } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest, FastifyServerOptions } from 'fastify';
import type { IncomingMessage } from 'node:http';
import type { StageTimings } from '../inference/types';
import type { LogLevel } from '../config';
import { VERSION } from '../version';

/**
 * Pino as Fastify's logger, shaped for Cloud Logging (`severity`, `message`),
 * and one line per request instead of Fastify's two. Image bytes never reach a
 * log line: only sizes, timings and counts.
 */
export interface LogDestination {
  write(line: string): void;
}

const SEVERITY: Readonly<Record<number, string>> = {
  10: 'DEBUG', // trace
  20: 'DEBUG',
  30: 'INFO',
  40: 'WARNING',
  50: 'ERROR',
  60: 'CRITICAL',
};

export function loggerOptions(
  level: LogLevel,
  stream?: LogDestination,
): NonNullable<FastifyServerOptions['logger']> {
  return {
    level,
    messageKey: 'message',
    base: { service: 'inference-api', version: VERSION },
    timestamp: () => `,"time":"${new Date().toISOString()}"`,
    formatters: {
      level: (_label: string, n: number) => ({ severity: SEVERITY[n] ?? 'DEFAULT' }),
    },
    ...(stream ? { stream } : {}),
  };
}

// Accept a caller's id (load balancer, client) only if it is short and plain.
const SAFE_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export function genReqId(req: IncomingMessage): string {
  const given = req.headers['x-request-id'];
  return typeof given === 'string' && SAFE_ID.test(given) ? given : randomUUID();
}

/** What a predict adds to its request's log line and metrics. */
export interface PredictStats {
  queueWaitMs?: number;
  timings?: StageTimings;
  instances?: number;
  /** Highest instance score, 0 without instances (a canary that finds nothing shows here). */
  topScore?: number;
  imageBytes?: number;
  image?: { format: string; width: number; height: number };
  errorCode?: string;
}

declare module 'fastify' {
  interface FastifyRequest {
    predictStats: PredictStats | null;
  }
}

// Probes and scrapes every few seconds would drown the useful lines.
const QUIET_ROUTES = new Set(['/healthz', '/readyz', '/metrics']);

export function registerRequestLogging(app: FastifyInstance): void {
  app.decorateRequest('predictStats', null);
  app.addHook('onRequest', async (request, reply) => {
    reply.header('x-request-id', request.id);
  });
  app.addHook('onResponse', async (request, reply) => logRequest(request, reply));
}

/** The one line per request: from onResponse, or from the error handler when the client is gone. */
export function logRequest(request: FastifyRequest, reply: FastifyReply): void {
  const route = request.routeOptions.url ?? 'unmatched';
  const fields = {
    method: request.method,
    route,
    path: request.url.split('?')[0]?.slice(0, 200),
    status: reply.statusCode,
    durationMs: Math.round(reply.elapsedTime * 10) / 10,
    ...(request.predictStats ?? {}),
  };
  const message = `${request.method} ${route} ${reply.statusCode}`;
  if (QUIET_ROUTES.has(route) && reply.statusCode < 400) request.log.debug(fields, message);
  else if (reply.statusCode >= 500 && reply.statusCode !== 503) request.log.error(fields, message);
  else request.log.info(fields, message);
}
