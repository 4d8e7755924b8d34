import type { AddressInfo } from 'node:net';
import { buildApp } from '../../src/app';
import { installGracefulShutdown } from '../../src/shutdown';
import { GatedEngine } from '../fixtures/gated-engine';
import { solidImage } from '../fixtures/images';
import { testConfig } from '../fixtures/test-config';

/*
 * The drain sequence in-process, for the paths a child process cannot easily
 * reach (the engine dying). Signals are not installed here (signals: []); the
 * real-signal behaviour is in main-process.test.ts. The gated engine holds a
 * prediction open so "in flight during shutdown" is exact.
 */
/** An app on a port with the drain installed (no signals) and one gated prediction sent. */
async function drainingApp(timing: { delayMs: number; graceMs: number }) {
  const engine = new GatedEngine(true);
  const app = await buildApp({ config: testConfig(), engine, logger: false });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  const exits: number[] = [];
  const shutdown = installGracefulShutdown({
    app,
    engine: () => engine,
    ...timing,
    exit: (code) => void exits.push(code),
    signals: [],
  });
  const inFlight = fetch(`${url}/predict`, {
    method: 'POST',
    headers: { 'content-type': 'image/png' },
    body: await solidImage('png'),
  });
  await engine.started(1);
  return { engine, app, exits, shutdown, inFlight };
}

it('a dead engine drains like SIGTERM: not ready, in-flight work finishes, engine closed, exit 1', async () => {
  const { engine, app, exits, shutdown, inFlight } = await drainingApp({
    delayMs: 50,
    graceMs: 10_000,
  });
  app.lifecycle.fail(new Error('worker exited'));
  const done = shutdown('engine-died', 1);
  expect((await app.inject('/readyz')).statusCode).toBe(503);
  engine.releaseAll();
  expect((await inFlight).status).toBe(200);
  await done;
  expect(exits).toEqual([1]);
  expect(engine.closed).toBe(true);
  // A second trigger does nothing.
  await shutdown('SIGTERM');
  expect(exits).toEqual([1]);
});

it('exits 1 when the grace runs out before the work is done', async () => {
  const {
    engine,
    exits,
    shutdown,
    inFlight: stuck,
  } = await drainingApp({ delayMs: 0, graceMs: 100 });
  const done = shutdown('SIGTERM');
  while (exits.length === 0) await new Promise((r) => setTimeout(r, 10));
  expect(exits).toEqual([1]);
  engine.releaseAll();
  await stuck;
  await done;
});
