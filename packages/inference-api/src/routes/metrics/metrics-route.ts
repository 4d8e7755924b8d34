import type { FastifyInstance } from 'fastify';

export function metricsRoute(app: FastifyInstance): void {
  const { registry } = app.metrics;
  app.get(
    '/metrics',
    { schema: { summary: 'Prometheus metrics', tags: ['info'], hide: false } },
    async (_request, reply) => {
      const text = await registry.metrics();
      return reply.type(registry.contentType).send(text);
    },
  );
}
