import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLocalGitRemote } from '../../src/cloud-build/local-git-remote';
import {
  PushTriggerErrorCode,
  startPushTrigger,
  type PushTrigger,
} from '../../src/cloud-build/push-trigger';
import type { BranchPush } from '../../src/cloud-build/ref-updates';

jest.setTimeout(30_000);

/** A real repository, a real bare remote with the hook, real `git push`es. */
describe('git push to the local bare repository starts the trigger', () => {
  let dir: string;
  let trigger: PushTrigger;
  let remote: string;
  let source: string;
  const pushes: BranchPush[] = [];
  const logged: string[] = [];

  // Asynchronous: the trigger answers the hook from this same process.
  const git = (args: string[], cwd = source) =>
    new Promise<{ out: string; err: string }>((done, fail) => {
      execFile(
        'git',
        ['-c', 'user.name=maskops test', '-c', 'user.email=test@example.invalid', ...args],
        { cwd, encoding: 'utf8' },
        (error, stdout, stderr) => {
          if (error) fail(new Error(`git ${args.join(' ')}: ${stderr}`));
          else done({ out: stdout.trim(), err: stderr });
        },
      );
    });
  const commit = async (file: string) => {
    writeFileSync(join(source, file), file);
    await git(['add', file]);
    await git(['commit', '--quiet', '-m', `add ${file}`]);
    return (await git(['rev-parse', 'HEAD'])).out;
  };

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'maskops-push-trigger-'));
    trigger = await startPushTrigger({
      branchPattern: /^main$/,
      onPush: (p) => {
        pushes.push(p);
        return `build ${pushes.length} queued for ${p.branch} at ${p.sha.slice(0, 7)}`;
      },
      log: (l) => logged.push(l),
    });
    remote = createLocalGitRemote(join(dir, 'maskops.git'), trigger);
    source = join(dir, 'work');
    await git(['init', '--quiet', '--initial-branch=main', source], dir);
    await git(['remote', 'add', 'local', remote]);
  });
  afterAll(async () => {
    await trigger?.close();
    rmSync(dir, { recursive: true, force: true });
  });
  beforeEach(() => {
    pushes.length = 0;
    logged.length = 0;
  });

  test('a new branch, then a new commit: each push is the pushed sha and branch', async () => {
    const first = await commit('a.txt');
    const one = await git(['push', 'local', 'main']);
    expect(pushes).toEqual([
      { before: '0'.repeat(40), sha: first, ref: 'refs/heads/main', branch: 'main' },
    ]);
    // git shows the hook's output to the pusher.
    expect(one.err).toContain(`remote: maskops: build 1 queued for main at ${first.slice(0, 7)}`);
    const second = await commit('b.txt');
    await git(['push', 'local', 'main']);
    expect(pushes[1]).toEqual({
      before: first,
      sha: second,
      ref: 'refs/heads/main',
      branch: 'main',
    });
    // The bare repository holds the pushed commit: the build exports it from there.
    expect((await git(['rev-parse', 'main'], remote)).out).toBe(second);
  });

  test('a tag, another branch and a branch deletion start nothing, and say why', async () => {
    await commit('c.txt');
    await git(['tag', 'v1']);
    await git(['branch', 'feature']);
    const tag = await git(['push', 'local', 'v1']);
    const branch = await git(['push', 'local', 'feature']);
    const deletion = await git(['push', 'local', ':feature']);
    expect(pushes).toEqual([]);
    expect(tag.err).toContain('remote: maskops: no build: refs/tags/v1 is not a branch');
    expect(branch.err).toContain(
      "remote: maskops: no build: branch feature does not match the trigger's /^main$/",
    );
    expect(deletion.err).toContain('remote: maskops: no build: refs/heads/feature was deleted');
    expect(logged).toHaveLength(3);
    for (const l of logged) expect(l).toMatch(/^\[trigger\] ignored "/);
  });

  test('one push of two branches: the matching one builds, the other is ignored', async () => {
    const sha = await commit('d.txt');
    await git(['branch', '--force', 'other']);
    await git(['push', 'local', 'main', 'other']);
    expect(pushes.map((p) => [p.branch, p.sha])).toEqual([['main', sha]]);
    expect(logged.filter((l) => l.includes('ignored'))).toHaveLength(1);
  });

  test('without the token, or not POST /push, the trigger answers 4xx with a code', async () => {
    const body = `${'0'.repeat(40)} ${'1'.repeat(40)} refs/heads/main\n`;
    const unauth = await fetch(trigger.url, { method: 'POST', body });
    expect(unauth.status).toBe(401);
    expect(await unauth.json()).toMatchObject({
      error: { code: PushTriggerErrorCode.UNAUTHENTICATED },
    });
    const get = await fetch(trigger.url, { headers: { authorization: `Bearer ${trigger.token}` } });
    expect(get.status).toBe(404);
    const big = await fetch(trigger.url, {
      method: 'POST',
      headers: { authorization: `Bearer ${trigger.token}` },
      body: 'x'.repeat(300 * 1024),
    });
    expect(big.status).toBe(413);
    const garbage = await fetch(trigger.url, {
      method: 'POST',
      headers: { authorization: `Bearer ${trigger.token}` },
      body: 'not a ref update\nzz zz refs/heads/main\n',
    });
    expect(garbage.status).toBe(202);
    expect(await garbage.text()).toBe(
      'maskops: no build: not "<old> <new> <ref>"\nmaskops: no build: not "<old> <new> <ref>"\n',
    );
    expect(pushes).toEqual([]);
  });

  test('with the trigger down, the push is stored and git says nothing was built', async () => {
    const down = await startPushTrigger({
      branchPattern: /^main$/,
      onPush: () => '',
      log: () => {},
    });
    await down.close();
    const lone = createLocalGitRemote(join(dir, 'lone.git'), down);
    const sha = await commit('e.txt');
    const r = await git(['push', lone, 'main']);
    expect(r.err).toContain(
      `remote: maskops: no local Cloud Build trigger answered at ${down.url}`,
    );
    expect((await git(['rev-parse', 'main'], lone)).out).toBe(sha);
  });
});
