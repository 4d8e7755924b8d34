import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/app';
import { GatedEngine } from '../fixtures/gated-engine';
import { solidImage } from '../fixtures/images';
import { openSocket, readAnswer, type RawAnswer } from '../fixtures/raw-http';
import { testConfig } from '../fixtures/test-config';

type ErrorReply = { error: { code: string; message: string } };

/*
 * Every refusal answers {"error":{"code","message"}} — Node's HTTP parser's and
 * Fastify's own included — checked on a real listening server, with raw sockets
 * where a client library would refuse to send the request.
 */
const MAX_BYTES = 4096;
const engine = new GatedEngine(false);
let app: FastifyInstance;
let port: number;
let png: Buffer;
const lines: Record<string, unknown>[] = [];

beforeAll(async () => {
  png = await solidImage('png');
  app = await buildApp({
    config: testConfig({ maxImageBytes: MAX_BYTES, logLevel: 'info' }),
    engine,
    logger: { write: (l: string) => void lines.push(JSON.parse(l) as Record<string, unknown>) },
    defaultMetrics: false,
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  port = (app.server.address() as AddressInfo).port;
});
afterAll(() => app.close());

async function raw(request: string): Promise<RawAnswer> {
  const socket = await openSocket(port);
  const answer = readAnswer(socket);
  socket.write(request);
  try {
    return await answer;
  } finally {
    socket.destroy();
  }
}

function expectError(answer: { status: number; body: string }, status: number, code: string) {
  expect(answer.status).toBe(status);
  expect(JSON.parse(answer.body)).toEqual({ error: { code, message: expect.any(String) } });
}

describe('refusals before any route runs', () => {
  it('answers headers over the parser limit with 431 HEADERS_TOO_LARGE, and logs it', async () => {
    lines.length = 0;
    const a = await raw(`GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`);
    expectError(a, 431, 'HEADERS_TOO_LARGE');
    expect(a.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(a.headers['connection']).toBe('close');
    expect(lines).toContainEqual(
      expect.objectContaining({ errorCode: 'HEADERS_TOO_LARGE', status: 431 }),
    );
  });

  it('answers a malformed request line with 400 INVALID_REQUEST', async () => {
    expectError(await raw('THIS IS NOT HTTP\r\n\r\n'), 400, 'INVALID_REQUEST');
  });

  it('answers a URL that does not decode with 400 INVALID_REQUEST', async () => {
    const a = await raw('GET /v1/%E0%A4%A HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    expectError(a, 400, 'INVALID_REQUEST');
    expect((JSON.parse(a.body) as ErrorReply).error.message).toContain('not a valid url');
  });
});

describe('framework refusals on routes', () => {
  const url = () => `http://127.0.0.1:${port}`;
  async function answer(r: Response): Promise<{ status: number; body: string }> {
    return { status: r.status, body: await r.text() };
  }

  it.each([
    ['an unknown route', '/nope', 'GET', undefined, undefined, 404, 'NOT_FOUND'],
    [
      'a method the route does not have',
      '/predict',
      'DELETE',
      undefined,
      undefined,
      405,
      'METHOD_NOT_ALLOWED',
    ],
    [
      'a JSON body',
      '/predict',
      'POST',
      'application/json',
      '{"image":1}',
      415,
      'UNSUPPORTED_MEDIA_TYPE',
    ],
    [
      'malformed JSON',
      '/predict',
      'POST',
      'application/json',
      '{bad',
      415,
      'UNSUPPORTED_MEDIA_TYPE',
    ],
    [
      'a form body',
      '/predict',
      'POST',
      'application/x-www-form-urlencoded',
      'a=1',
      415,
      'UNSUPPORTED_MEDIA_TYPE',
    ],
    [
      'a body over the limit',
      '/predict',
      'POST',
      'image/png',
      'x'.repeat(MAX_BYTES + 1),
      413,
      'PAYLOAD_TOO_LARGE',
    ],
    ['an unknown format', '/predict?format=gif', 'POST', 'image/png', 'x', 400, 'INVALID_REQUEST'],
  ])('%s', async (_name, path, method, type, body, status, code) => {
    const r = await fetch(url() + path, {
      method,
      ...(type ? { headers: { 'content-type': type } } : {}),
      ...(body !== undefined ? { body } : {}),
    });
    expectError(await answer(r), status, code);
  });
});

describe('the rough edges a first caller meets', () => {
  const url = () => `http://127.0.0.1:${port}`;

  it.each([
    ['GET', '/predict', 'POST'],
    ['POST', '/healthz', 'GET, HEAD'],
    ['DELETE', '/static/app.js', 'GET, HEAD'],
    ['PUT', '/samples/shapes-flat.png', 'GET, HEAD'],
  ])('%s %s is 405 with Allow: %s', async (method, path, allow) => {
    const r = await fetch(url() + path, { method });
    expect(r.status).toBe(405);
    expect(r.headers.get('allow')).toBe(allow);
    const body = (await r.json()) as ErrorReply;
    expect(body.error.code).toBe('METHOD_NOT_ALLOWED');
    expect(body.error.message).toContain(allow);
  });

  it('an unknown format names the allowed values', async () => {
    const r = await fetch(`${url()}/predict?format=gif`, {
      method: 'POST',
      headers: { 'content-type': 'image/png' },
      body: png,
    });
    expect(r.status).toBe(400);
    const body = (await r.json()) as ErrorReply;
    expect(body.error.message).toBe('querystring/format must be one of: json, png');
  });
});

describe('min_score is a plain decimal from 0 to 1', () => {
  async function predict(minScore: string) {
    return app.inject({
      method: 'POST',
      url: `/predict?min_score=${encodeURIComponent(minScore)}`,
      headers: { 'content-type': 'image/png' },
      payload: png,
    });
  }

  it.each([
    ['0.5', 0.5],
    ['1', 1],
    ['.5', 0.5],
    ['0', 0],
    ['1.0', 1],
  ])('accepts %s', async (value, expected) => {
    const r = await predict(value);
    expect(r.statusCode).toBe(200);
    expect(engine.calls.at(-1)?.options.minScore).toBe(expected);
  });

  it.each(['0x1', '1e0', 'Infinity', '', '-0', '1.5', ' 0.5', '0.5.1', 'NaN'])(
    'refuses "%s" with 400 INVALID_REQUEST',
    async (value) => {
      const before = engine.calls.length;
      const r = await predict(value);
      expectError({ status: r.statusCode, body: r.body }, 400, 'INVALID_REQUEST');
      expect(r.json<ErrorReply>().error.message).toBe(
        'querystring/min_score must be a plain decimal number from 0 to 1, like 0.5',
      );
      expect(engine.calls.length).toBe(before);
    },
  );

  it('shows the rule in the OpenAPI document', async () => {
    const doc = (await app.inject('/docs/json')).json<{
      paths: Record<string, { post?: { parameters?: { name: string; schema: unknown }[] } }>;
    }>();
    const param = doc.paths['/predict']?.post?.parameters?.find((p) => p.name === 'min_score');
    expect(param?.schema).toMatchObject({
      type: 'string',
      pattern: expect.stringContaining('\\.'),
    });
  });
});
