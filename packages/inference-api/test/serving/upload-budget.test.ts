import type { AddressInfo, Socket } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/app';
import { UploadBudget } from '../../src/serving/upload-budget';
import { GatedEngine } from '../fixtures/gated-engine';
import { solidImage } from '../fixtures/images';
import { openSocket, predictHead, readAnswer } from '../fixtures/raw-http';
import { testConfig } from '../fixtures/test-config';

async function until(cond: () => boolean | Promise<boolean>): Promise<void> {
  while (!(await cond())) await new Promise((r) => setTimeout(r, 5));
}

describe('UploadBudget', () => {
  it('reserves while bytes fit, and each release gives them back exactly once', () => {
    const seen: number[] = [];
    const b = new UploadBudget(100, (used) => seen.push(used));
    const r1 = b.reserve(60);
    expect(r1).toBeDefined();
    expect(b.reserve(50)).toBeUndefined();
    const r2 = b.reserve(40);
    expect(b.usedBytes).toBe(100);
    r1?.();
    r1?.();
    expect(b.usedBytes).toBe(40);
    r2?.();
    expect(b.usedBytes).toBe(0);
    expect(b.reserve(0)).toBeDefined(); // a bodiless request is never refused
    expect(seen).toEqual([60, 100, 40, 0, 0]);
  });
});

/*
 * On a real listening server with raw sockets: uploads that stall mid-body hold
 * their Content-Length of the budget; the next one is refused before it sends a
 * byte of body; health answers meanwhile; aborting the stalled ones gives the
 * budget back and counts them as client_closed.
 */
describe('POST /predict under the upload byte budget', () => {
  const MAX_IMAGE = 10_000;
  let app: FastifyInstance;
  let port: number;
  const lines: Record<string, unknown>[] = [];
  let png: Buffer;

  beforeAll(async () => {
    png = await solidImage('png');
    app = await buildApp({
      config: testConfig({
        maxImageBytes: MAX_IMAGE,
        maxInflightBytes: 3 * MAX_IMAGE,
        logLevel: 'info',
      }),
      engine: new GatedEngine(false),
      logger: { write: (l: string) => void lines.push(JSON.parse(l) as Record<string, unknown>) },
      defaultMetrics: false,
    });
    await app.listen({ port: 0, host: '127.0.0.1' });
    port = (app.server.address() as AddressInfo).port;
  });
  afterAll(() => app.close());

  async function metric(name: string): Promise<string[]> {
    const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
    return text.split('\n').filter((l) => l.startsWith(name));
  }

  it('refuses the upload that would pass it before its body, and releases aborted ones', async () => {
    const uploads = app.uploads;
    const stalled: Socket[] = [];
    for (let i = 0; i < 3; i++) {
      const s = await openSocket(port);
      s.on('error', () => undefined);
      s.write(predictHead(MAX_IMAGE) + 'x'.repeat(100)); // then nothing more
      stalled.push(s);
    }
    await until(() => uploads.usedBytes === 3 * MAX_IMAGE);

    // Headers only: the answer must come without a body byte being sent.
    const next = await openSocket(port);
    const answer = readAnswer(next);
    next.write(predictHead(500));
    const refused = await answer;
    next.destroy();
    expect(refused.status).toBe(503);
    expect(refused.headers['retry-after']).toMatch(/^\d+$/);
    expect(refused.headers['connection']).toBe('close');
    expect(JSON.parse(refused.body)).toEqual({
      error: { code: 'OVERLOADED', message: expect.stringContaining('uploads are already') },
    });

    // Liveness is not held up by uploads in progress.
    expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
    expect(await metric('maskops_upload_bytes_in_flight')).toEqual([
      `maskops_upload_bytes_in_flight ${3 * MAX_IMAGE}`,
    ]);

    stalled.forEach((s) => s.destroy());
    await until(() => uploads.usedBytes === 0);

    const ok = await fetch(`http://127.0.0.1:${port}/predict`, {
      method: 'POST',
      headers: { 'content-type': 'image/png' },
      body: png,
    });
    expect(ok.status).toBe(200);
    await until(() => uploads.usedBytes === 0);

    const rejected = await metric('maskops_predict_rejected_total');
    expect(rejected).toContain('maskops_predict_rejected_total{reason="client_closed"} 3');
    expect(rejected).toContain('maskops_predict_rejected_total{reason="upload_budget"} 1');
    expect(await metric('maskops_http_requests_total')).toContain(
      'maskops_http_requests_total{method="POST",route="/predict",status_code="499"} 3',
    );
    await until(() => lines.filter((l) => l['errorCode'] === 'CLIENT_CLOSED').length === 3);
    expect(lines.filter((l) => l['errorCode'] === 'CLIENT_CLOSED')).toEqual(
      Array.from({ length: 3 }, (): unknown =>
        expect.objectContaining({ status: 499, route: '/predict' }),
      ),
    );
    expect(lines.filter((l) => l['errorCode'] === 'INVALID_REQUEST')).toEqual([]);
  });

  it('reserves MAX_IMAGE_BYTES for a chunked upload, and releases a refused one (413)', async () => {
    const uploads = app.uploads;
    const chunked = await openSocket(port);
    chunked.on('error', () => undefined);
    chunked.write(
      'POST /predict HTTP/1.1\r\nHost: x\r\nContent-Type: image/png\r\n' +
        'Transfer-Encoding: chunked\r\n\r\n10\r\n0123456789abcdef\r\n',
    );
    await until(() => uploads.usedBytes === MAX_IMAGE);

    const tooLarge = await openSocket(port);
    const answer = readAnswer(tooLarge);
    tooLarge.write(predictHead(MAX_IMAGE + 1));
    expect((await answer).status).toBe(413);
    tooLarge.destroy();
    expect(uploads.usedBytes).toBe(MAX_IMAGE);

    const rest = readAnswer(chunked);
    chunked.write('0\r\n\r\n');
    // 16 bytes are not an image: refused, and the reservation is released.
    expect((await rest).status).toBe(415);
    chunked.destroy();
    await until(() => uploads.usedBytes === 0);
  });
});
