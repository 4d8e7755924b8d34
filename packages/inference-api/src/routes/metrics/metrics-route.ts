import type { FastifyInstance } from 'fastify';
import type { ServingContext } from '../../serving-context';

export async function metricsRoute(app: FastifyInstance, ctx: ServingContext): Promise<void> {
  const { registry } = ctx.metrics;
  app.get(
    '/metrics',
    { schema: { summary: 'Prometheus metrics', tags: ['info'], hide: false } },
    async (_request, reply) => {
      const text = await registry.metrics();
      return reply.type(registry.contentType).send(text);
    },
  );
}
