import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MAIN_JS, startServer, type ServerProcess } from './server-process';

/* The real process says at start whether authentication is on, and refuses a blank file name. */
jest.setTimeout(60_000);

const dir = mkdtempSync(join(tmpdir(), 'maskops-auth-start-'));
const running: ServerProcess[] = [];
afterAll(() => {
  for (const s of running) if (s.child.exitCode === null) s.child.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

const listening = async (env: Record<string, string>) => {
  const s = await startServer(env);
  running.push(s);
  const line = await s.waitFor((l) => String(l['message']).startsWith('listening'));
  s.child.kill('SIGKILL');
  return line;
};

describe('the start line', () => {
  it('says authentication is on and how many tokens are loaded', async () => {
    const path = join(dir, 'tokens');
    writeFileSync(path, `${'a'.repeat(32)}\n# rotated out soon\n${'b'.repeat(32)}\n`);
    expect(await listening({ API_TOKENS_FILE: path })).toMatchObject({
      auth: 'on',
      tokens: 2,
      message: expect.stringMatching(/authentication on \(2 tokens\)$/),
    });
  });

  it('says authentication is off without API_TOKENS_FILE', async () => {
    expect(await listening({})).toMatchObject({
      auth: 'off',
      message: expect.stringMatching(/authentication off$/),
    });
  });

  it('stops with exit 78 and one line for a blank API_TOKENS_FILE', () => {
    const r = spawnSync(process.execPath, [MAIN_JS], {
      env: { PATH: process.env.PATH, API_TOKENS_FILE: ' ' },
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(r.status).toBe(78);
    const lines = r.stderr.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0])).toMatchObject({
      severity: 'CRITICAL',
      variable: 'API_TOKENS_FILE',
      message: expect.stringContaining('is set but blank'),
    });
  });
});
