import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { PACKAGE_ROOT } from '../../package-root';

// Paths from the package root. The RLE codec is src/masks/rle-codec.ts compiled
// as an ES module (tsconfig.browser.json): the page decodes masks with the server's code.
const ASSETS = {
  '/': { file: 'public/index.html', type: 'text/html; charset=utf-8' },
  '/static/app.js': { file: 'public/app.js', type: 'text/javascript; charset=utf-8' },
  '/static/rle-codec.js': {
    file: 'dist/browser/rle-codec.js',
    type: 'text/javascript; charset=utf-8',
  },
  '/static/style.css': { file: 'public/style.css', type: 'text/css; charset=utf-8' },
} as const;

// Everything comes from this origin; the overlay is drawn on a canvas from blob: images.
const CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' blob: data:; " +
  "connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

/** The upload page: plain HTML, CSS and two small ES modules, read once at start. */
export async function uiRoutes(app: FastifyInstance): Promise<void> {
  for (const [url, asset] of Object.entries(ASSETS)) {
    const body = await readFile(join(PACKAGE_ROOT, asset.file));
    // Public even with API tokens: a person loads the page, then types a token into it.
    app.get(url, { schema: { hide: true }, config: { public: true } }, async (_request, reply) =>
      reply
        .type(asset.type)
        .header('content-security-policy', CSP)
        .header('x-content-type-options', 'nosniff')
        .header('cache-control', 'no-cache')
        .send(body),
    );
  }
}
