import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { notFound } from '../../errors';
import { PACKAGE_ROOT } from '../../package-root';

/** Written by the build (`maskops-demo-model --samples public/samples`): images of the demo model. */
const SAMPLES_DIR = join(PACKAGE_ROOT, 'public', 'samples');

const listSchema = {
  hide: true,
  response: {
    200: {
      type: 'object',
      required: ['samples'],
      properties: {
        samples: {
          type: 'array',
          items: {
            type: 'object',
            required: ['name', 'url'],
            properties: { name: { type: 'string' }, url: { type: 'string' } },
          },
        },
      },
    },
  },
} as const;

/** Every PNG of the samples folder, read once at start; none when the folder is missing. */
async function readSamples(): Promise<Map<string, Buffer>> {
  const names = await readdir(SAMPLES_DIR).catch(() => [] as string[]);
  const samples = new Map<string, Buffer>();
  for (const name of names.filter((n) => /^[a-z0-9-]+\.png$/.test(n)).sort()) {
    samples.set(name, await readFile(join(SAMPLES_DIR, name)));
  }
  return samples;
}

/**
 * GET /samples/ lists the sample images the upload page offers ("Try a sample"),
 * GET /samples/NAME serves one. Public like the page: they are the demo's own pictures.
 */
export async function samplesRoutes(app: FastifyInstance): Promise<void> {
  const samples = await readSamples();
  app.get('/samples/', { schema: listSchema, config: { public: true } }, () => ({
    samples: [...samples.keys()].map((name) => ({ name, url: `/samples/${name}` })),
  }));
  app.get<{ Params: { name: string } }>(
    '/samples/:name',
    { schema: { hide: true }, config: { public: true } },
    async (request, reply) => {
      const png = samples.get(request.params.name);
      if (png === undefined) throw notFound(`no sample ${request.params.name.slice(0, 100)}`);
      return reply.type('image/png').header('cache-control', 'no-cache').send(png);
    },
  );
}
