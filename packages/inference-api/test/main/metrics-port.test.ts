import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { Agent, request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MAIN_JS, startServer, type ServerProcess } from './server-process';

/*
 * METRICS_PORT and API_TOKENS_FILE on the built server as Kubernetes runs it: a
 * real `node dist/main.js`, real ports, a real SIGTERM. Needs `pnpm build`.
 */
jest.setTimeout(60_000);

const TOKEN = 'process-token-0123456789abcdef';
const dir = mkdtempSync(join(tmpdir(), 'maskops-metrics-port-'));
const tokensFile = join(dir, 'tokens');
writeFileSync(tokensFile, `# test\n${TOKEN}\n`);

const running: ServerProcess[] = [];
afterEach(() => {
  for (const s of running.splice(0)) if (s.child.exitCode === null) s.child.kill('SIGKILL');
});

/** One GET on a fresh connection: the status, or the connection error's code. */
function get(
  port: number,
  path: string,
  headers: Record<string, string> = {},
  agent: Agent | false = false,
) {
  return new Promise<{ status: number | string; type?: string; body: string }>((resolve) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, headers, agent }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, type: res.headers['content-type'], body }),
      );
    });
    req.on('error', (err: NodeJS.ErrnoException) =>
      resolve({ status: err.code ?? 'error', body: '' }),
    );
    req.end();
  });
}

describe('METRICS_PORT', () => {
  it('serves /metrics on its own port only, token-free, and SIGTERM closes both ports (exit 0)', async () => {
    const s = await startServer({
      METRICS_PORT: '0',
      API_TOKENS_FILE: tokensFile,
      SHUTDOWN_DELAY_MS: '0',
      SHUTDOWN_GRACE_MS: '20000',
    });
    running.push(s);
    const line = await s.waitFor((l) => String(l['message']).startsWith('metrics listening'));
    const metricsPort = line['port'] as number;
    expect(metricsPort).not.toBe(s.port);
    await s.waitFor((l) => l['message'] === 'model loaded and warmed: ready');

    const scrape = await get(metricsPort, '/metrics');
    expect(scrape.status).toBe(200);
    expect(scrape.type).toMatch(/^text\/plain/);
    expect(scrape.body).toContain('maskops_model_info{');
    expect(scrape.body).toContain('process_resident_memory_bytes');
    const other = await get(metricsPort, '/healthz');
    expect(other.status).toBe(404);
    expect(JSON.parse(other.body)).toEqual({
      error: { code: 'NOT_FOUND', message: expect.any(String) },
    });

    // The main port: no /metrics at all (404 with a token), probes open, the rest guarded.
    expect((await get(s.port, '/metrics', { authorization: `Bearer ${TOKEN}` })).status).toBe(404);
    expect((await get(s.port, '/metrics')).status).toBe(401);
    expect((await get(s.port, '/readyz')).status).toBe(200);
    expect((await get(s.port, '/v1/info')).status).toBe(401);
    expect((await get(s.port, '/v1/info', { authorization: `Bearer ${TOKEN}` })).status).toBe(200);
    // Requests answered on the main port show up in the registry the metrics port serves.
    expect((await get(metricsPort, '/metrics')).body).toMatch(
      /maskops_http_requests_total\{method="GET",route="\/v1\/info",status_code="401"\} 1/,
    );

    // A scraper's idle kept-alive connection must not hold the drain open (exit 0, not
    // the grace's exit 1).
    const keepAlive = new Agent({ keepAlive: true });
    expect((await get(metricsPort, '/metrics', {}, keepAlive)).status).toBe(200);
    s.child.kill('SIGTERM');
    expect(await s.exited).toEqual({ code: 0, signal: null });
    expect((await get(metricsPort, '/metrics')).status).toBe('ECONNREFUSED');
    expect((await get(s.port, '/healthz')).status).toBe('ECONNREFUSED');
    expect(s.lines.map((l) => l['message'])).toContain('drained: exiting');
    expect(s.lines.map((l) => l['message'])).not.toContain(
      'shutdown grace expired: exiting with requests unfinished',
    );
    expect(JSON.stringify(s.lines)).not.toContain(TOKEN);
    keepAlive.destroy();
  });

  it.each([
    [{ PORT: '9000', METRICS_PORT: '9000' }, 'METRICS_PORT'],
    [{ API_TOKENS_FILE: join(dir, 'absent') }, 'API_TOKENS_FILE'],
    [{ API_TOKENS_FILE: join(dir, 'short') }, 'API_TOKENS_FILE'],
  ])('stops at start (exit 78) with one line naming the bad setting: %j', (env, variable) => {
    writeFileSync(join(dir, 'short'), 'tooshort\n');
    const r = spawnSync(process.execPath, [MAIN_JS], {
      env: { PATH: process.env.PATH, ...env },
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(r.status).toBe(78);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0])).toMatchObject({ severity: 'CRITICAL', variable });
    expect(r.stdout).toBe('');
  });
});
