import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';

/** GET /docs (Swagger UI, served from the package: no CDN) and /docs/json (the spec). */
export async function docsRoutes(app: FastifyInstance): Promise<void> {
  // The documentation is public even with API tokens (it describes, it serves nothing);
  // the hook marks every route Swagger UI registers inside this plugin.
  app.addHook('onRoute', (route) => {
    route.config = { ...route.config, public: true };
  });
  await app.register(swaggerUi, { routePrefix: '/docs', staticCSP: true });
}
