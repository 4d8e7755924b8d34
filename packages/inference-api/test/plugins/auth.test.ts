import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/app';
import { TokenSet } from '../../src/auth/token-set';
import { GatedEngine } from '../fixtures/gated-engine';
import { solidImage } from '../fixtures/images';
import { openSocket, predictHead, readAnswer } from '../fixtures/raw-http';
import { testConfig } from '../fixtures/test-config';

/*
 * API_TOKENS_FILE through the real app: which routes need a bearer token, what a
 * refusal looks like, and that it happens before admission and before the body.
 * The gated engine counts predictions: a refused caller must never reach it.
 */
const GOOD = 'good-token-0123456789abcdef';
const OTHER = 'other-token-ABCDEFGHIJKLMNOP';
const WRONG = 'wrong-token-0123456789abcdef';
const engine = new GatedEngine(false);
const lines: Record<string, unknown>[] = [];
let app: FastifyInstance;
let png: Buffer;

beforeAll(async () => {
  png = await solidImage('png');
  app = await buildApp({
    config: testConfig({ logLevel: 'info', apiTokens: new TokenSet([GOOD, OTHER]) }),
    engine,
    logger: { write: (l) => void lines.push(JSON.parse(l) as Record<string, unknown>) },
    defaultMetrics: false,
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
});
afterAll(() => app.close());
beforeEach(() => {
  lines.length = 0;
});

const bearer = (token: string) => ({ authorization: `Bearer ${token}` });

async function metricValue(name: string, labels: string): Promise<number> {
  const text = (await app.inject({ url: '/metrics', headers: bearer(GOOD) })).body;
  const line = text.split('\n').find((l) => l.startsWith(`${name}{${labels}}`));
  return Number(line?.split(' ').pop() ?? 0);
}

function expectUnauthorized(r: {
  statusCode: number;
  headers: Record<string, unknown>;
  json(): unknown;
}) {
  expect(r.statusCode).toBe(401);
  expect(r.json()).toEqual({ error: { code: 'UNAUTHORIZED', message: expect.any(String) } });
  expect(r.headers['www-authenticate']).toBe('Bearer realm="maskops"');
  expect(r.headers['connection']).toBe('close');
}

describe('with API tokens configured', () => {
  it('accepts each configured token, the scheme in any case', async () => {
    for (const authorization of [`Bearer ${GOOD}`, `Bearer ${OTHER}`, `bearer  ${GOOD}`]) {
      const r = await app.inject({ url: '/v1/info', headers: { authorization } });
      expect(r.statusCode).toBe(200);
    }
  });

  it('refuses a missing, wrong or malformed Authorization with 401 UNAUTHORIZED, and logs why', async () => {
    const cases: [Record<string, string>, string][] = [
      [{}, 'missing'],
      [{ authorization: '' }, 'missing'],
      [bearer(WRONG), 'invalid'],
      [bearer(GOOD.slice(0, -1)), 'invalid'],
      [{ authorization: `Basic ${Buffer.from(`u:${GOOD}`).toString('base64')}` }, 'malformed'],
      [{ authorization: 'Bearer' }, 'malformed'],
      [{ authorization: `Bearer ${GOOD} extra` }, 'malformed'],
      [{ authorization: GOOD }, 'malformed'],
    ];
    for (const [headers, why] of cases) {
      lines.length = 0;
      const r = await app.inject({ url: '/v1/info', headers });
      expectUnauthorized(r);
      expect(lines).toEqual([
        expect.objectContaining({ route: '/v1/info', status: 401, auth: why }),
      ]);
    }
  });

  it('never writes a token, good or wrong, to the log', async () => {
    await app.inject({ url: '/v1/info', headers: bearer(WRONG) });
    await app.inject({ url: '/v1/info', headers: bearer(GOOD) });
    await app.inject({
      method: 'POST',
      url: '/predict',
      headers: { ...bearer(WRONG), 'content-type': 'image/png' },
      payload: png,
    });
    expect(lines.length).toBeGreaterThanOrEqual(3);
    const log = JSON.stringify(lines);
    expect(log).not.toContain(GOOD);
    expect(log).not.toContain(WRONG);
    expect(log).not.toContain('Bearer');
  });

  it('lets anyone reach the probes, the upload page and its assets, and /docs', async () => {
    for (const url of [
      '/healthz',
      '/readyz',
      '/',
      '/static/app.js',
      '/static/rle-codec.js',
      '/static/style.css',
      '/docs',
      '/docs/json',
    ]) {
      const r = await app.inject({ url, headers: bearer(WRONG) });
      expect([url, r.statusCode]).toEqual([url, 200]);
      expect((await app.inject(url)).statusCode).toBe(r.statusCode);
    }
  });

  it('describes the bearer scheme in the OpenAPI document, the probes exempt', async () => {
    const spec = (await app.inject('/docs/json')).json<{
      components: { securitySchemes: unknown };
      security: unknown;
      paths: Record<string, { get: { security?: unknown } }>;
    }>();
    expect(spec.components.securitySchemes).toEqual({ bearer: { type: 'http', scheme: 'bearer' } });
    expect(spec.security).toEqual([{ bearer: [] }]);
    expect(spec.paths['/healthz']?.get.security).toEqual([]);
    expect(spec.paths['/v1/info']?.get.security).toBeUndefined();
  });

  it('guards /metrics, /predict and unknown paths (401, not 404)', async () => {
    expectUnauthorized(await app.inject('/metrics'));
    expectUnauthorized(await app.inject('/no-such-route'));
    expect((await app.inject({ url: '/no-such-route', headers: bearer(GOOD) })).statusCode).toBe(
      404,
    );
    expect((await app.inject({ url: '/metrics', headers: bearer(GOOD) })).statusCode).toBe(200);
  });

  it('refuses /predict before admission: no model call, no upload bytes, counted as unauthorized', async () => {
    const calls = engine.calls.length;
    const rejected = await metricValue('maskops_predict_rejected_total', 'reason="unauthorized"');
    const r = await app.inject({
      method: 'POST',
      url: '/predict',
      headers: { 'content-type': 'image/png' },
      payload: png,
    });
    expectUnauthorized(r);
    expect(engine.calls.length).toBe(calls);
    expect(app.uploads.usedBytes).toBe(0);
    expect(await metricValue('maskops_predict_rejected_total', 'reason="unauthorized"')).toBe(
      rejected + 1,
    );
    expect(
      await metricValue(
        'maskops_http_requests_total',
        'method="POST",route="/predict",status_code="401"',
      ),
    ).toBeGreaterThanOrEqual(1);
    // Not the build's doing: the canary analysis' counter does not see it.
    const text = (await app.inject({ url: '/metrics', headers: bearer(GOOD) })).body;
    expect(text).not.toMatch(/maskops_predict_requests_total\{[^}]*outcome="client_error"/);

    const ok = await app.inject({
      method: 'POST',
      url: '/predict',
      headers: { ...bearer(GOOD), 'content-type': 'image/png' },
      payload: png,
    });
    expect(ok.statusCode).toBe(200);
    expect(engine.calls.length).toBe(calls + 1);
  });

  it('answers 401 and closes before the body is sent (raw socket)', async () => {
    const { port } = app.server.address() as AddressInfo;
    const socket = await openSocket(port);
    const answer = readAnswer(socket);
    // Announce 1 MB and send none of it: the answer cannot wait for the body.
    socket.write(predictHead(1_000_000));
    const a = await answer;
    socket.destroy();
    expect(a.status).toBe(401);
    expect(JSON.parse(a.body)).toEqual({
      error: { code: 'UNAUTHORIZED', message: expect.any(String) },
    });
    expect(a.headers['www-authenticate']).toBe('Bearer realm="maskops"');
    expect(a.headers['connection']).toBe('close');
    expect(app.uploads.usedBytes).toBe(0);
  });
});

describe('without API tokens', () => {
  it('asks nobody for a token', async () => {
    const open = await buildApp({
      config: testConfig(),
      engine,
      logger: false,
      defaultMetrics: false,
    });
    for (const url of ['/v1/info', '/metrics'])
      expect((await open.inject(url)).statusCode).toBe(200);
    await open.close();
  });
});
