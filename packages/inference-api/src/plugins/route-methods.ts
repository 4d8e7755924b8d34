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
 * routes; parametric routes (`/samples/:name`) match by pattern.
 */
export const routeMethodsPlugin = fp(
  (app) => {
    const exact = new Map<string, Set<string>>();
    const patterns = new Map<string, { pattern: RegExp; methods: Set<string> }>();
    app.addHook('onRoute', (route) => {
      const methods = [route.method].flat().map((m) => m.toUpperCase());
      if (!/[:*]/.test(route.url)) {
        const known = exact.get(route.url) ?? new Set<string>();
        for (const m of methods) known.add(m);
        exact.set(route.url, known);
        return;
      }
      // `:name` is one path segment, `*` anything.
      const source = route.url
        .split(/(:[^/]+|\*)/)
        .map((part) =>
          part === '*'
            ? '.*'
            : part.startsWith(':')
              ? '[^/]+'
              : part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'),
        )
        .join('');
      const entry = patterns.get(route.url) ?? {
        pattern: new RegExp(`^${source}$`),
        methods: new Set<string>(),
      };
      for (const m of methods) entry.methods.add(m);
      patterns.set(route.url, entry);
    });
    app.decorate('allowedMethods', (path: string): string[] => {
      const found = new Set(exact.get(path));
      for (const { pattern, methods } of patterns.values()) {
        if (pattern.test(path)) for (const m of methods) found.add(m);
      }
      return [...found].sort();
    });
  },
  { name: 'route-methods', fastify: '5.x' },
);
