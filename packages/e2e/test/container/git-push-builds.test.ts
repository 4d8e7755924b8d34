import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildNotDeployable, type BuildSource } from '../../src/container/container-builds';
import { GitPushBuilds } from '../../src/container/git-push-builds';
import { git } from '../helpers/git';

jest.setTimeout(30_000);

/**
 * The container demo's pushes, with a builder that records what it was asked to build
 * (the real one runs cloudbuild.yaml in containers: test:containers and the demo).
 */
describe("the container demo's git pushes", () => {
  let dir: string;
  let source: string;
  let head: string;
  let pushes: GitPushBuilds;
  const asked: Array<{ n: number; source: BuildSource }> = [];
  const others: Array<{ message: Record<string, unknown>; line: string }> = [];
  /** Commits whose (recorded) build ends FAILURE. */
  const failing = new Set<string>();
  const lines: string[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'maskops-git-push-builds-'));
    source = join(dir, 'user');
    await git(dir, ['init', '--quiet', '--initial-branch=trunk', source]);
    writeFileSync(join(source, 'cloudbuild.yaml'), 'steps: []\n');
    await git(source, ['add', '.']);
    await git(source, ['commit', '--quiet', '-m', 'first']);
    head = await git(source, ['rev-parse', 'HEAD']);
    pushes = await GitPushBuilds.create({
      dir,
      repoRoot: source,
      commit: head,
      builder: {
        build: (n, s) => {
          asked.push({ n, source: s });
          if (failing.has(s.commit)) {
            const build = { id: `build-${n}`, status: 'FAILURE' };
            return Promise.reject(buildNotDeployable(`build-${n}`, 'FAILURE', 'check', build));
          }
          return Promise.resolve({
            image: { digest: `sha256:${s.commit.padEnd(64, '0')}` },
            buildId: `build-${n}`,
            message: { id: `build-${n}` },
            seconds: {},
          });
        },
      },
      onOtherBuild: (message, line) => others.push({ message, line }),
      log: (l) => lines.push(l),
    });
  });
  afterAll(async () => {
    await pushes?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('push 1 builds the checked-out commit on main; push 2 a new commit on top of it', async () => {
    const one = await pushes.build(1);
    expect(one.buildId).toBe('build-1');
    expect(asked[0]).toEqual({
      n: 1,
      source: { repoRoot: pushes.remote, commit: head, branch: 'main' },
    });
    const two = await pushes.build(2);
    const second = asked[1].source.commit;
    expect(two.buildId).toBe('build-2');
    expect(second).not.toBe(head);
    // A new commit whose parent is push 1 and whose tree is the same; main points at it.
    expect(await git(pushes.remote, ['rev-parse', `${second}^`])).toBe(head);
    expect(await git(pushes.remote, ['rev-parse', `${second}^{tree}`])).toBe(
      await git(source, ['rev-parse', 'HEAD^{tree}']),
    );
    expect(await git(pushes.remote, ['rev-parse', 'main'])).toBe(second);
    expect(lines).toContain(`[push 2] git push local main (${second.slice(0, 7)})`);
    expect(
      lines.some((l) => l.startsWith('[push 2] remote: maskops: local Cloud Build 2 queued')),
    ).toBe(true);
    expect(others).toEqual([]);
  });

  test("someone's own `git push local HEAD:main` starts a build that goes to onOtherBuild", async () => {
    writeFileSync(join(source, 'change.txt'), 'a change\n');
    await git(source, ['add', '.']);
    await git(source, ['commit', '--quiet', '-m', 'a change']);
    const mine = await git(source, ['rev-parse', 'HEAD']);
    await git(source, ['remote', 'add', 'local', pushes.remote]);
    await git(source, ['push', '--force', 'local', 'HEAD:main']);
    // The build is queued behind nothing: wait for it to reach onOtherBuild.
    for (let i = 0; i < 100 && others.length === 0; i++) {
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(others.map((b) => b.message.id)).toEqual(['build-3']);
    expect(others[0].line).toBe(`build-3 built sha256:${mine.padEnd(64, '0')}`);
    expect(asked[2].source).toEqual({ repoRoot: pushes.remote, commit: mine, branch: 'main' });
  });

  test("someone's push whose build fails: its FAILURE Build resource goes to onOtherBuild too", async () => {
    writeFileSync(join(source, 'broken.txt'), 'breaks the check\n');
    await git(source, ['add', '.']);
    await git(source, ['commit', '--quiet', '-m', 'a broken change']);
    const broken = await git(source, ['rev-parse', 'HEAD']);
    failing.add(broken);
    await git(source, ['push', 'local', 'HEAD:main']);
    for (let i = 0; i < 100 && others.length < 2; i++) {
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(others[1]).toEqual({
      message: { id: 'build-4', status: 'FAILURE' },
      line: 'build build-4 ended FAILURE: check',
    });
  });
});
