import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { encodeShapesImage, paintShapes } from '@maskops/demo-model';
import { DEFAULT_MODEL_PATH } from '../../src/config';
import type { WorkerInferenceEngine } from '../../src/inference/engine';
import { openSocket, readAnswer } from '../fixtures/raw-http';
import { startRealApp } from '../fixtures/real-app';

/*
 * Admission by controlled delay on a real listening server with the real demo
 * model (worker thread, TF.js). Default settings otherwise: MAX_QUEUE 16,
 * MAX_QUEUE_WAIT_MS half the request timeout, QUEUE_TARGET_MS auto. Needs `pnpm build`.
 */
const MAX_QUEUE = 16;
let jpeg: Buffer;
let app: FastifyInstance;
let engine: WorkerInferenceEngine;
let url: string;
let port: number;
const lines: Record<string, unknown>[] = [];

async function start(queueIntervalMs: number | 'auto' = 'auto'): Promise<void> {
  ({ app, engine } = await startRealApp(
    { modelPath: DEFAULT_MODEL_PATH },
    { maxQueue: MAX_QUEUE, queueIntervalMs, logLevel: 'info' },
    { write: (l) => void lines.push(JSON.parse(l) as Record<string, unknown>) },
  ));
  await app.listen({ port: 0, host: '127.0.0.1' });
  port = (app.server.address() as AddressInfo).port;
  url = `http://127.0.0.1:${port}`;
  // One execution timed: from now on the expected wait is known (as on any server
  // that has served a request), which is when a burst used to be refused.
  expect((await predict()).status).toBe(200);
}

async function stop(): Promise<void> {
  await app?.close();
  await engine?.close();
  lines.length = 0;
}

const predict = (): Promise<Response> =>
  fetch(`${url}/predict`, {
    method: 'POST',
    headers: { 'content-type': 'image/jpeg' },
    body: jpeg,
  });

async function until(cond: () => boolean | Promise<boolean>): Promise<void> {
  while (!(await cond())) await new Promise((r) => setTimeout(r, 10));
}

async function metric(name: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return Number(line?.split(' ')[1]);
}

const stateLines = () =>
  lines.filter((l) => l.queueState !== undefined).map((l) => l.queueState as string);

beforeAll(async () => {
  jpeg = await encodeShapesImage(paintShapes({ width: 640, height: 480, seed: 5 }), 'jpeg');
});

describe('admission by controlled delay, demo model', () => {
  afterEach(stop);

  it(`serves a burst of MAX_QUEUE (${MAX_QUEUE}) on an idle server, none refused`, async () => {
    await start(); // the default QUEUE_INTERVAL_MS: one service time
    const answers = await Promise.all(Array.from({ length: MAX_QUEUE }, () => predict()));
    expect(answers.map((r) => r.status)).toEqual(answers.map(() => 200));
  });

  it('refuses at arrival once the queue stands, logs each change of state once, shows it in /metrics', async () => {
    await start(20);
    expect(await metric('maskops_inference_queue_standing')).toBe(0);
    // A burst: all admitted while the queue is young, then it stands (more than
    // 20 ms without emptying: 16 executions of the model take far longer).
    const burst = Array.from({ length: MAX_QUEUE }, () => predict());
    await until(() => app.queue.state === 'standing');
    expect(await metric('maskops_inference_queue_standing')).toBe(1);

    // A newcomer is refused before its body: it only sends the head.
    const socket = await openSocket(port);
    const answer = readAnswer(socket);
    socket.write(
      `POST /predict HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: image/jpeg\r\n` +
        `Content-Length: ${jpeg.length}\r\n\r\n`,
    );
    const refused = await answer;
    socket.destroy();
    expect(refused.status).toBe(503);
    expect(Number(refused.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(JSON.parse(refused.body)).toEqual({
      error: {
        code: 'OVERLOADED',
        message: expect.stringContaining('the wait allowed while the queue stands'),
      },
    });

    // Everything admitted is served (the burst's stragglers may have arrived after the
    // queue stood, and were refused at arrival too); then the queue stays empty and
    // admission lifts.
    const answers = await Promise.all(burst);
    const codes = await Promise.all(
      answers.map(async (r) =>
        r.status === 200 ? 200 : ((await r.json()) as { error: { code: string } }).error.code,
      ),
    );
    expect(codes.filter((c) => c !== 200 && c !== 'OVERLOADED')).toEqual([]);
    expect(codes.filter((c) => c === 200).length).toBeGreaterThanOrEqual(2);
    await until(() => app.queue.state === 'draining');
    expect(await metric('maskops_inference_queue_standing')).toBe(0);
    expect(stateLines()).toEqual(['standing', 'draining']);
    const standing = lines.find((l) => l.queueState === 'standing');
    expect(standing).toMatchObject({
      severity: 'INFO',
      message: expect.stringContaining('QUEUE_TARGET_MS'),
      queueIntervalMs: 20,
      allowedWaitMs: expect.any(Number),
    });
    const text = await (await fetch(`${url}/metrics`)).text();
    expect(text).toContain('maskops_inference_queue_state_changes_total{state="standing"} 1');
    expect(text).toContain('maskops_inference_queue_state_changes_total{state="draining"} 1');
  });
});
