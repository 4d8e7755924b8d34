import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

// The built CLI behind `pnpm start`, as people run it (turbo builds before testing).
const CLI = join(__dirname, '../dist/demo-cli.js');

const demo = (args: string[], env: Record<string, string> = {}) =>
  spawnSync(process.execPath, [CLI, ...args], {
    encoding: 'utf8',
    env: { ...process.env, ...env },
    timeout: 60_000,
  });

describe('pnpm start --containers, before it starts anything', () => {
  it('says in one line that it needs a Docker Engine, and exits 1', () => {
    // An engine address where none answers: the check is the client's, as on a fresh machine.
    const r = demo(['--containers'], { DOCKER_HOST: 'unix:///nonexistent/docker.sock' });
    expect(r.status).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr.trim().split('\n')).toEqual([
      'demo failed: no Docker Engine answers: --containers needs one (plain pnpm start needs none)',
    ]);
  });

  it.each([['--canary'], ['--model-push'], ['--from-commit'], ['--keep']])(
    'refuses --containers with %s (usage, exit 2)',
    (flag) => {
      const r = demo(['--containers', flag]);
      expect(r.status).toBe(2);
      expect(r.stderr).toMatch(/^--containers runs rolling pushes only/);
    },
  );
});
