import { mkdirSync, mkdtempSync, renameSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { buildApp } from '../../src/app';
import { readConfig } from '../../src/config';
import { GatedEngine } from '../fixtures/gated-engine';

/*
 * Token rotation without a restart, on the layout the kubelet gives a mounted
 * Secret: `tokens` → `..data/tokens`, `..data` → `..<timestamp>/`, updated by
 * writing a new timestamped folder and renaming a new `..data` link over the old
 * one. The app polls every 100 ms here; the tests wait for the change to show
 * (bounded), as a client would wait out the kubelet's own sync delay.
 */
const OLD = 'old-token-0123456789abcdef';
const NEW = 'new-token-0123456789abcdef';
const mount = mkdtempSync(join(tmpdir(), 'maskops-secret-'));
const lines: Record<string, unknown>[] = [];
let app: FastifyInstance;
let url: string;
let generation = 0;

/** What the kubelet does on a Secret update: new folder, atomic swap of `..data`. */
function publish(text: string): void {
  generation += 1;
  const folder = `..2026_12_07_${generation}`;
  mkdirSync(join(mount, folder));
  writeFileSync(join(mount, folder, 'tokens'), text);
  symlinkSync(folder, join(mount, '..data_tmp'));
  renameSync(join(mount, '..data_tmp'), join(mount, '..data'));
}

beforeAll(async () => {
  publish(`${OLD}\n`);
  symlinkSync(join('..data', 'tokens'), join(mount, 'tokens'));
  const config = readConfig({
    API_TOKENS_FILE: join(mount, 'tokens'),
    API_TOKENS_POLL_MS: '100',
    LOG_LEVEL: 'info',
  });
  app = await buildApp({
    config,
    engine: new GatedEngine(false),
    logger: { write: (l) => void lines.push(JSON.parse(l) as Record<string, unknown>) },
    defaultMetrics: false,
  });
  await app.listen({ port: 0, host: '127.0.0.1' });
  url = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await app?.close();
  rmSync(mount, { recursive: true, force: true });
});

const status = async (token: string) =>
  (await fetch(`${url}/v1/info`, { headers: { authorization: `Bearer ${token}` } })).status;

/** Polls until `check` holds, up to 10 s (the app checks every 100 ms). */
async function eventually(check: () => boolean | Promise<boolean>): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if (await check()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error('the change never showed');
}

async function metric(name: string, token: string): Promise<number> {
  const text = await (
    await fetch(`${url}/metrics`, { headers: { authorization: `Bearer ${token}` } })
  ).text();
  return Number(
    text
      .split('\n')
      .find((l) => l.startsWith(name + ' '))
      ?.split(' ')[1],
  );
}

describe('API_TOKENS_FILE rotation', () => {
  it('follows a Secret update: the new token works, the revoked one does not', async () => {
    expect(await status(OLD)).toBe(200);
    expect(await status(NEW)).toBe(401);
    expect(await metric('maskops_api_tokens', OLD)).toBe(1);
    const before = await metric('maskops_api_tokens_last_reload_timestamp_seconds', OLD);

    publish(`${OLD}\n${NEW}\n`); // step 1: both
    await eventually(async () => (await status(NEW)) === 200);
    expect(await status(OLD)).toBe(200);
    expect(await metric('maskops_api_tokens', NEW)).toBe(2);
    expect(await metric('maskops_api_tokens_last_reload_timestamp_seconds', NEW)).toBeGreaterThan(
      before,
    );

    publish(`${NEW}\n`); // step 2: the old one revoked
    await eventually(async () => (await status(OLD)) === 401);
    expect(await status(NEW)).toBe(200);
    expect(lines.filter((l) => l['message'] === 'API tokens reloaded')).toHaveLength(2);
    expect(JSON.stringify(lines)).not.toContain(NEW);
  });

  it('keeps the tokens in use and logs an ERROR when the new file is bad', async () => {
    lines.length = 0;
    publish('short\n');
    await eventually(() => lines.some((l) => l['severity'] === 'ERROR'));
    expect(lines.find((l) => l['severity'] === 'ERROR')).toMatchObject({
      message:
        'API_TOKENS_FILE changed but line 1 is not a token (16 to 4096 visible ASCII characters without spaces): the previous tokens stay in use',
      tokens: 1,
    });
    expect(await status(NEW)).toBe(200);
    expect(await metric('maskops_api_tokens', NEW)).toBe(1);

    publish(`${OLD}\n`); // a good file after a bad one is taken
    await eventually(async () => (await status(OLD)) === 200);
    expect(await status(NEW)).toBe(401);
  });
});
