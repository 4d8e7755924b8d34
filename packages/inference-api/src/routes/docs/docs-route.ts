import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';

/** GET /docs (Swagger UI, served from the package: no CDN) and /docs/json (the spec). */
export async function docsRoutes(app: FastifyInstance): Promise<void> {
  await app.register(swaggerUi, { routePrefix: '/docs', staticCSP: true });
}
