import type { FastifyInstance } from 'fastify';
import { sendError } from '../../http/send-error';
import { notReady, RejectReason } from '../../errors';

const statusSchema = {
  type: 'object',
  required: ['status'],
  properties: { status: { type: 'string' }, phase: { type: 'string' } },
} as const;

/**
 * Liveness and readiness. Both answer from memory on the event loop, which the
 * model never blocks (it runs in a worker thread), so probes stay fast while
 * an image is being segmented.
 */
export function healthRoutes(app: FastifyInstance): void {
  app.get(
    '/healthz',
    {
      config: { public: true },
      schema: {
        summary: 'Liveness: 200 while the process is up',
        tags: ['health'],
        security: [],
        response: { 200: statusSchema },
      },
    },
    () => ({ status: 'ok' }),
  );

  app.get(
    '/readyz',
    {
      config: { public: true },
      schema: {
        summary:
          'Readiness: 200 once the model is loaded and warmed; 503 while starting, draining or failed, or while the model keeps giving non-finite outputs',
        tags: ['health'],
        security: [],
        response: { 200: statusSchema, 503: { $ref: 'Error#' } },
      },
    },
    async (_request, reply) => {
      const { phase, notReadyReason } = app.lifecycle;
      if (notReadyReason === undefined) return { status: 'ready', phase };
      return sendError(
        reply,
        notReady(notReadyReason, { retryAfterSeconds: 5, reason: RejectReason.NOT_READY }),
      );
    },
  );
}
