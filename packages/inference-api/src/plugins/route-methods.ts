import fp from 'fastify-plugin';

declare module 'fastify' {
  interface FastifyInstance {
    /** The methods some route answers on `path` (empty when no route has the path). */
    allowedMethods(path: string): string[];
  }
}

/**
 * Which methods each route path answers, so that a known path asked with the wrong
 * method is 405 with `Allow` rather than 404 (error-handler.ts). Registered before the
 * routes; `*` routes (the static files) match by prefix.
 */
export const routeMethodsPlugin = fp(
  (app) => {
    const exact = new Map<string, Set<string>>();
    const prefixes = new Map<string, Set<string>>();
    app.addHook('onRoute', (route) => {
      const table = route.url.endsWith('*') ? prefixes : exact;
      const key = route.url.endsWith('*') ? route.url.slice(0, -1) : route.url;
      const methods = table.get(key) ?? new Set<string>();
      for (const m of [route.method].flat()) methods.add(m.toUpperCase());
      table.set(key, methods);
    });
    app.decorate('allowedMethods', (path: string): string[] => {
      const found = new Set(exact.get(path));
      for (const [prefix, methods] of prefixes) {
        if (path.startsWith(prefix)) for (const m of methods) found.add(m);
      }
      return [...found].sort();
    });
  },
  { name: 'route-methods', fastify: '5.x' },
);
