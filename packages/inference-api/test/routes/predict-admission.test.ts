import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/app';
import { GatedEngine } from '../fixtures/gated-engine';
import { solidImage } from '../fixtures/images';
import { openSocket, predictHead, readAnswer, type RawAnswer } from '../fixtures/raw-http';
import { testConfig } from '../fixtures/test-config';

/*
 * Admission by expected wait on a real listening server (controlled delay's two
 * states are pinned here: interval 0 = always held to the target, an hour = never). The engine is the gated
 * fixture and the service-time estimate is set by the test, so "the expected
 * wait would exceed the limit" is a fact of the test, not of the machine's speed.
 */
let png: Buffer;
beforeAll(async () => {
  png = await solidImage('png');
});

interface Server {
  app: FastifyInstance;
  engine: GatedEngine;
  port: number;
  predict: () => Promise<Response>;
}

async function start(overrides: Parameters<typeof testConfig>[0]): Promise<Server> {
  const engine = new GatedEngine(true);
  const app = await buildApp({ config: testConfig(overrides), engine, logger: false });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const { port } = app.server.address() as AddressInfo;
  const predict = () =>
    fetch(`http://127.0.0.1:${port}/predict`, {
      method: 'POST',
      headers: { 'content-type': 'image/png' },
      body: png,
    });
  return { app, engine, port, predict };
}

async function until(cond: () => boolean): Promise<void> {
  while (!cond()) await new Promise((r) => setTimeout(r, 5));
}

/** Sends only the head of an upload: an answer proves the refusal came before the body. */
async function arriveWithoutBody(port: number): Promise<RawAnswer> {
  const socket = await openSocket(port);
  const answer = readAnswer(socket);
  socket.write(predictHead(png.length));
  try {
    return await answer;
  } finally {
    socket.destroy();
  }
}

/** Occupies the engine with one execution and `waiting` queued requests. */
async function fill(s: Server, waiting: number): Promise<Promise<Response>[]> {
  const running = [s.predict()];
  await s.engine.started(1);
  for (let i = 0; i < waiting; i++) {
    running.push(s.predict());
    await until(() => s.app.queue.waiting === i + 1);
  }
  return running;
}

async function finish(s: Server, pending: Promise<Response>[]): Promise<void> {
  s.engine.releaseAll();
  const answers = await Promise.all(pending);
  expect(answers.map((r) => r.status)).toEqual(pending.map(() => 200));
}

describe('admission by expected wait', () => {
  it('interval 0: with one median service time of work queued, refuses at arrival, before the body', async () => {
    const s = await start({ maxQueue: 16, queueIntervalMs: 0 });
    try {
      s.app.queue.serviceTime.record(1_000);
      // Running + 0 waiting: a newcomer would wait ~1 s = the limit, admitted.
      const pending = await fill(s, 1);
      const refused = await arriveWithoutBody(s.port);
      expect(refused.status).toBe(503);
      expect(refused.headers['retry-after']).toBe('2');
      expect(JSON.parse(refused.body)).toEqual({
        error: {
          code: 'OVERLOADED',
          message: expect.stringContaining('expected wait (2000 ms) is longer than 1000 ms'),
        },
      });
      expect(s.app.queue.waiting).toBe(1);
      await finish(s, pending);
      expect(s.engine.calls).toHaveLength(2);
    } finally {
      s.engine.releaseAll();
      await s.app.close();
    }
  });

  it('a number of ms admits the waiters that fit in it', async () => {
    const s = await start({ maxQueue: 16, maxQueueWaitMs: 2_500, queueIntervalMs: 3_600_000 });
    try {
      s.app.queue.serviceTime.record(1_000);
      const pending = await fill(s, 2); // a third would wait 3 s
      const refused = await arriveWithoutBody(s.port);
      expect(refused.status).toBe(503);
      expect(JSON.parse(refused.body)).toMatchObject({ error: { code: 'OVERLOADED' } });
      await finish(s, pending);
      expect(s.engine.calls).toHaveLength(3);
    } finally {
      s.engine.releaseAll();
      await s.app.close();
    }
  });

  it('MAX_QUEUE still caps when the wait limit would admit more', async () => {
    const s = await start({ maxQueue: 1, maxQueueWaitMs: 3_600_000, queueIntervalMs: 3_600_000 });
    try {
      s.app.queue.serviceTime.record(1);
      const pending = await fill(s, 1);
      const refused = await arriveWithoutBody(s.port);
      expect(refused.status).toBe(503);
      expect(JSON.parse(refused.body)).toMatchObject({
        error: { code: 'OVERLOADED', message: expect.stringContaining('already waiting') },
      });
      await finish(s, pending);
    } finally {
      s.engine.releaseAll();
      await s.app.close();
    }
  });

  it('learns the service time from executions, then refuses what it used to queue', async () => {
    const s = await start({ maxQueue: 16, queueIntervalMs: 0 });
    try {
      // Nothing timed yet: up to MAX_QUEUE wait.
      const first = await fill(s, 2);
      for (let n = 1; n <= 3; n++) {
        s.engine.releaseOne();
        expect((await first[n - 1])?.status).toBe(200);
        if (n < 3) await s.engine.started(n + 1);
      }
      await until(() => s.app.queue.serviceTime.count === 3);
      // Now one waiter is one service time; a second would wait two.
      const pending = [s.predict()];
      await s.engine.started(4);
      pending.push(s.predict());
      await until(() => s.app.queue.waiting === 1);
      expect((await arriveWithoutBody(s.port)).status).toBe(503);
      await finish(s, pending);
    } finally {
      s.engine.releaseAll();
      await s.app.close();
    }
  });
});
