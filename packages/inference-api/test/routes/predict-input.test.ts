import { request as httpRequest } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/app';
import { GatedEngine } from '../fixtures/gated-engine';
import { multipartBody, pngHeaderOnly, solidImage } from '../fixtures/images';
import { testConfig } from '../fixtures/test-config';

/*
 * Client input that must be refused with a stable code and a 4xx before the
 * model is involved. The engine here answers at once (GatedEngine ungated); the
 * model's own answers are checked with the real engine in predict-real.test.ts.
 */
const MAX_BYTES = 64 * 1024;
const engine = new GatedEngine(false);
let app: FastifyInstance;
let png: Buffer;
let jpeg: Buffer;

beforeAll(async () => {
  app = await buildApp({
    config: testConfig({ maxImageBytes: MAX_BYTES, maxImagePixels: 1_000_000 }),
    engine,
    logger: false,
  });
  png = await solidImage('png');
  jpeg = await solidImage('jpeg');
});
afterAll(() => app.close());

async function post(
  payload: Buffer | string | undefined,
  headers: Record<string, string>,
  url = '/predict',
) {
  const r = await app.inject({
    method: 'POST',
    url,
    headers,
    ...(payload === undefined ? {} : { payload }),
  });
  return {
    status: r.statusCode,
    body: r.json<{ error?: { code: string; message: string } }>(),
    headers: r.headers,
  };
}

describe('POST /predict accepts', () => {
  it.each(['jpeg', 'png', 'tiff', 'webp'] as const)('a raw %s body', async (format) => {
    const r = await post(await solidImage(format), { 'content-type': `image/${format}` });
    expect(r.status).toBe(200);
    expect(r.body).toHaveProperty('instances');
  });

  it('multipart/form-data with a file field "image" (other fields ignored)', async () => {
    const m = multipartBody([
      { name: 'note', data: 'hello' },
      { name: 'image', filename: 'a.png', type: 'image/png', data: png },
    ]);
    const r = await post(m.payload, m.headers);
    expect(r.status).toBe(200);
    expect(engine.calls.at(-1)?.bytes).toBe(png.length);
  });

  it('trusts the bytes over the declared type: a PNG labelled image/jpeg is served', async () => {
    expect((await post(png, { 'content-type': 'image/jpeg' })).status).toBe(200);
    expect((await post(jpeg, { 'content-type': 'application/octet-stream' })).status).toBe(200);
  });

  it('passes min_score, format=png and the header it probed to the engine', async () => {
    const r = await app.inject({
      method: 'POST',
      url: '/predict?min_score=0.8&format=png',
      headers: { 'content-type': 'image/png' },
      payload: png,
    });
    expect(r.statusCode).toBe(200);
    expect(r.headers['content-type']).toBe('image/png');
    expect(r.rawPayload.subarray(0, 4)).toEqual(Buffer.from([0x89, 0x50, 0x4e, 0x47]));
    // The header is read once, here: the worker gets it and does not read it again.
    expect(engine.calls.at(-1)?.options).toEqual({
      minScore: 0.8,
      overlay: true,
      probe: { format: 'png', width: 64, height: 48 },
    });
  });
});

describe('POST /predict refuses, with a stable code', () => {
  const cases: [
    string,
    () => Promise<{ status: number; body: { error?: { code: string; message: string } } }>,
    number,
    string,
  ][] = [
    [
      'an empty raw body',
      () => post(Buffer.alloc(0), { 'content-type': 'image/png' }),
      400,
      'EMPTY_BODY',
    ],
    ['no body and no content type', () => post(undefined, {}), 400, 'EMPTY_BODY'],
    [
      'a body without content type',
      () => post(png, { 'content-type': '' }),
      415,
      'UNSUPPORTED_MEDIA_TYPE',
    ],
    [
      'GIF',
      async () => post(await solidImage('gif'), { 'content-type': 'image/gif' }),
      415,
      'UNSUPPORTED_MEDIA_TYPE',
    ],
    [
      'GIF bytes labelled image/png',
      async () => post(await solidImage('gif'), { 'content-type': 'image/png' }),
      415,
      'UNSUPPORTED_MEDIA_TYPE',
    ],
    [
      'SVG',
      () => post('<svg xmlns="http://www.w3.org/2000/svg"/>', { 'content-type': 'image/svg+xml' }),
      415,
      'UNSUPPORTED_MEDIA_TYPE',
    ],
    [
      'SVG labelled image/png',
      () => post('<svg xmlns="http://www.w3.org/2000/svg"/>', { 'content-type': 'image/png' }),
      415,
      'UNSUPPORTED_MEDIA_TYPE',
    ],
    ['text', () => post('hello', { 'content-type': 'text/plain' }), 415, 'UNSUPPORTED_MEDIA_TYPE'],
    [
      'JSON',
      () => post('{"image":"aGVsbG8="}', { 'content-type': 'application/json' }),
      415,
      'UNSUPPORTED_MEDIA_TYPE',
    ],
    [
      'a PNG whose header is garbage',
      () =>
        post(Buffer.concat([png.subarray(0, 12), Buffer.alloc(40, 7)]), {
          'content-type': 'image/png',
        }),
      400,
      'IMAGE_UNDECODABLE',
    ],
    [
      'a pixel bomb (header says 30000×30000)',
      async () => post(pngHeaderOnly(30_000, 30_000), { 'content-type': 'image/png' }),
      422,
      'IMAGE_TOO_MANY_PIXELS',
    ],
    [
      'a body over MAX_IMAGE_BYTES',
      () => post(Buffer.concat([png, Buffer.alloc(MAX_BYTES)]), { 'content-type': 'image/png' }),
      413,
      'PAYLOAD_TOO_LARGE',
    ],
    [
      'min_score above 1',
      () => post(png, { 'content-type': 'image/png' }, '/predict?min_score=1.5'),
      400,
      'INVALID_REQUEST',
    ],
    [
      'min_score not a number',
      () => post(png, { 'content-type': 'image/png' }, '/predict?min_score=high'),
      400,
      'INVALID_REQUEST',
    ],
    [
      'an unknown format',
      () => post(png, { 'content-type': 'image/png' }, '/predict?format=gif'),
      400,
      'INVALID_REQUEST',
    ],
    [
      'multipart without an image field',
      () => {
        const m = multipartBody([
          { name: 'photo', filename: 'a.png', type: 'image/png', data: png },
        ]);
        return post(m.payload, m.headers);
      },
      400,
      'MISSING_IMAGE_FIELD',
    ],
    [
      'multipart with "image" as a text field',
      () => {
        const m = multipartBody([{ name: 'image', data: 'not a file' }]);
        return post(m.payload, m.headers);
      },
      400,
      'MISSING_IMAGE_FIELD',
    ],
    [
      'multipart with an empty image file',
      () => {
        const m = multipartBody([
          { name: 'image', filename: 'a.png', type: 'image/png', data: Buffer.alloc(0) },
        ]);
        return post(m.payload, m.headers);
      },
      400,
      'EMPTY_BODY',
    ],
    [
      'multipart with an image file over MAX_IMAGE_BYTES',
      () => {
        const m = multipartBody([
          {
            name: 'image',
            filename: 'a.png',
            type: 'image/png',
            data: Buffer.concat([png, Buffer.alloc(MAX_BYTES)]),
          },
        ]);
        return post(m.payload, m.headers);
      },
      413,
      'PAYLOAD_TOO_LARGE',
    ],
    [
      'multipart holding a GIF',
      async () => {
        const m = multipartBody([
          { name: 'image', filename: 'a.gif', type: 'image/gif', data: await solidImage('gif') },
        ]);
        return post(m.payload, m.headers);
      },
      415,
      'UNSUPPORTED_MEDIA_TYPE',
    ],
    [
      'multipart cut off mid-file',
      () => {
        const m = multipartBody([
          { name: 'image', filename: 'a.png', type: 'image/png', data: png },
        ]);
        return post(m.payload.subarray(0, 120), m.headers);
      },
      400,
      'INVALID_REQUEST',
    ],
    [
      'multipart without a boundary',
      () => post(png, { 'content-type': 'multipart/form-data' }),
      400,
      'INVALID_REQUEST',
    ],
  ];

  it.each(cases)('%s', async (_name, send, status, code) => {
    const before = engine.calls.length;
    const r = await send();
    expect({ status: r.status, code: r.body.error?.code }).toEqual({ status, code });
    expect(typeof r.body.error?.message).toBe('string');
    expect(engine.calls.length).toBe(before); // never reached the model
  });

  it('answers unknown routes with the same error shape', async () => {
    const r = await app.inject('/predict/nope');
    expect(r.statusCode).toBe(404);
    expect(r.json()).toEqual({ error: { code: 'NOT_FOUND', message: expect.any(String) } });
  });
});

describe('POST /predict on a real socket', () => {
  let base: { host: string; port: number };
  beforeAll(async () => {
    await app.listen({ port: 0, host: '127.0.0.1' });
    const a = app.server.address() as AddressInfo;
    base = { host: '127.0.0.1', port: a.port };
  });

  it('refuses a chunked body (no Content-Length) once it passes the limit, without reading the rest', async () => {
    const total = 256 * 1024 * 1024; // far more than socket buffers can absorb
    const chunk = Buffer.concat([png, Buffer.alloc(65_536 - png.length)]);
    let sent = 0;
    let sentWhenAnswered = -1;
    const result = await new Promise<{ status: number; body: string }>((resolve) => {
      const req = httpRequest(
        {
          ...base,
          method: 'POST',
          path: '/predict',
          headers: { 'content-type': 'image/png', 'transfer-encoding': 'chunked' },
        },
        (res) => {
          sentWhenAnswered = sent;
          let body = '';
          res.on('data', (d: Buffer) => (body += d.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        },
      );
      req.on('error', (err: NodeJS.ErrnoException) => {
        if (sentWhenAnswered < 0) sentWhenAnswered = sent;
        resolve({ status: -1, body: err.code ?? '' });
      });
      const pump = (): void => {
        while (sent < total && sentWhenAnswered < 0 && !req.destroyed) {
          sent += chunk.length;
          if (!req.write(chunk)) return void req.once('drain', pump);
        }
        if (!req.destroyed) req.end();
      };
      pump();
    });
    expect(result.status).toBe(413);
    expect(JSON.parse(result.body)).toMatchObject({ error: { code: 'PAYLOAD_TOO_LARGE' } });
    expect(sentWhenAnswered).toBeGreaterThan(MAX_BYTES);
    expect(sentWhenAnswered).toBeLessThan(total / 4);
  });

  it('refuses a Content-Length above the limit before reading the body', async () => {
    const r = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = httpRequest(
        {
          ...base,
          method: 'POST',
          path: '/predict',
          headers: { 'content-type': 'image/png', 'content-length': String(100 * MAX_BYTES) },
        },
        (res) => {
          let body = '';
          res.on('data', (d: Buffer) => (body += d.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        },
      );
      req.on('error', reject);
      req.write(png); // and then nothing more: the answer must not wait for the rest
    });
    expect(r.status).toBe(413);
    expect(JSON.parse(r.body)).toMatchObject({ error: { code: 'PAYLOAD_TOO_LARGE' } });
  });

  it('stays healthy after a Content-Length that understates the body', async () => {
    // Node reads only Content-Length bytes; the rest is a malformed next request.
    const status = await new Promise<number>((resolve, reject) => {
      const req = httpRequest(
        {
          ...base,
          method: 'POST',
          path: '/predict',
          headers: { 'content-type': 'image/png', 'content-length': '16' },
        },
        (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        },
      );
      req.on('error', reject);
      req.end(png.subarray(0, 16));
    });
    expect(status).toBeGreaterThanOrEqual(400);
    expect(status).toBeLessThan(500);
    const r = await fetch(`http://127.0.0.1:${base.port}/healthz`);
    expect(r.status).toBe(200);
  });
});
