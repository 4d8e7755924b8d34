import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';

/**
 * One line per request (instead of Fastify's two), with the request id echoed
 * as x-request-id. Its own fields come from typed request fields that others set:
 * why auth refused it (`request.authFailure`, auth/auth-failure.ts), and a
 * predict's sizes, timings and counts (`request.predictStats`,
 * serving/predict-stats.ts).
 */

// Accept a caller's id (load balancer, client) only if it is short and plain.
const SAFE_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export function genReqId(req: IncomingMessage): string {
  const given = req.headers['x-request-id'];
  return typeof given === 'string' && SAFE_ID.test(given) ? given : randomUUID();
}

// Probes and scrapes every few seconds would drown the useful lines.
const QUIET_ROUTES = new Set(['/healthz', '/readyz', '/metrics']);

export const requestLoggingPlugin = fp(
  (app) => {
    app.decorateRequest('authFailure', null);
    app.decorateRequest('predictStats', null);
    app.addHook('onRequest', (request, reply, done) => {
      reply.header('x-request-id', request.id);
      done();
    });
    app.addHook('onResponse', (request, reply, done) => {
      logRequest(request, reply);
      done();
    });
  },
  { name: 'request-logging', fastify: '5.x' },
);

/** The one line per request: from onResponse, or from the error handler when the client is gone. */
export function logRequest(request: FastifyRequest, reply: FastifyReply): void {
  const route = request.routeOptions.url ?? 'unmatched';
  const fields = {
    method: request.method,
    route,
    path: request.url.split('?')[0]?.slice(0, 200),
    status: reply.statusCode,
    durationMs: Math.round(reply.elapsedTime * 10) / 10,
    ...(request.authFailure === null ? {} : { auth: request.authFailure }),
    ...(request.predictStats ?? {}),
  };
  const message = `${request.method} ${route} ${reply.statusCode}`;
  if (QUIET_ROUTES.has(route) && reply.statusCode < 400) request.log.debug(fields, message);
  else if (reply.statusCode >= 500 && reply.statusCode !== 503) request.log.error(fields, message);
  else request.log.info(fields, message);
}
