import type { FastifyInstance } from 'fastify';
import type { ServingContext } from '../../serving-context';
import { sendError } from '../../plugins/error-handler';
import { ErrorCode } from '../../errors';

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
export async function healthRoutes(app: FastifyInstance, ctx: ServingContext): Promise<void> {
  app.get(
    '/healthz',
    {
      schema: {
        summary: 'Liveness: 200 while the process is up',
        tags: ['health'],
        response: { 200: statusSchema },
      },
    },
    async () => ({ status: 'ok' }),
  );

  app.get(
    '/readyz',
    {
      schema: {
        summary:
          'Readiness: 200 once the model is loaded and warmed; 503 while starting, draining or failed',
        tags: ['health'],
        response: { 200: statusSchema, 503: { $ref: 'Error#' } },
      },
    },
    async (_request, reply) => {
      const { phase, ready } = ctx.lifecycle;
      if (ready) return { status: 'ready', phase };
      return sendError(reply, {
        code: ErrorCode.NOT_READY,
        status: 503,
        message: `not ready: ${phase}`,
        retryAfterSeconds: 5,
        reason: 'not_ready',
      });
    },
  );
}
