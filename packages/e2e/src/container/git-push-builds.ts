import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { isMaskopsError } from '@maskops/shared';
import { createLocalGitRemote } from '../cloud-build/local-git-remote';
import { startPushTrigger, type PushTrigger } from '../cloud-build/push-trigger';
import type { BranchPush } from '../cloud-build/ref-updates';
import {
  ContainerBuildErrorCode,
  type BuildSource,
  type ContainerPushBuild,
} from './container-builds';

/**
 * The container demo's pushes as `git push`es: a bare repository (the trigger's
 * repository's stand-in) whose hook starts the local Cloud Build of each pushed branch
 * `main` (cloud-build/push-trigger.ts), one build at a time. The demo pushes from a
 * clone of the checked-out commit (push 1: that commit; then a new commit each time);
 * anyone may push there too while the demo runs, and that build goes to `onOtherBuild`
 * (the demo hands it to the function, as the `cloud-builds` subscription would).
 */
export interface GitPushBuildsOptions {
  /** A folder of the demo's: the bare repository and the clone go there. */
  dir: string;
  repoRoot: string;
  /** The commit the demo's first push sends. */
  commit: string;
  builder: { build(n: number, source: BuildSource): Promise<ContainerPushBuild> };
  /** Someone else's push's Build resource (SUCCESS or not), and a line saying what it is. */
  onOtherBuild: (message: Record<string, unknown>, line: string) => void;
  log: (line: string) => void;
}

interface Waiter {
  done: (b: ContainerPushBuild) => void;
  fail: (err: unknown) => void;
}

/** Who the demo's own commits are by: a fresh machine has no git identity. */
const DEMO_IDENTITY = {
  GIT_AUTHOR_NAME: 'maskops demo',
  GIT_AUTHOR_EMAIL: 'demo@maskops.invalid',
  GIT_COMMITTER_NAME: 'maskops demo',
  GIT_COMMITTER_EMAIL: 'demo@maskops.invalid',
};

/** Asynchronous: the trigger answers the hook from this process while git waits. */
function git(cwd: string, args: string[]): Promise<{ stdout: string; stderr: string }> {
  return new Promise((done, fail) => {
    execFile(
      'git',
      args,
      { cwd, encoding: 'utf8', env: { ...process.env, ...DEMO_IDENTITY } },
      (error, stdout, stderr) => {
        if (error) fail(new Error(`git ${args.join(' ')} failed: ${stderr.trim()}`));
        else done({ stdout: stdout.trim(), stderr });
      },
    );
  });
}

export class GitPushBuilds {
  private queue: Promise<void> = Promise.resolve();
  private count = 0;
  private readonly waiters = new Map<string, Waiter>();
  private readonly started = new Set<string>();
  private head: string;

  private constructor(
    private readonly o: GitPushBuildsOptions,
    private readonly trigger: PushTrigger,
    /** The bare repository: `git remote add local <remote>`. */
    readonly remote: string,
    private readonly clone: string,
  ) {
    this.head = o.commit;
  }

  static async create(o: GitPushBuildsOptions): Promise<GitPushBuilds> {
    let self: GitPushBuilds | undefined;
    const trigger = await startPushTrigger({
      // setup.sh's default --branch-pattern.
      branchPattern: /^main$/,
      onPush: (p) => self!.enqueue(p),
      log: o.log,
    });
    try {
      const remote = createLocalGitRemote(join(o.dir, 'maskops.git'), trigger);
      const clone = join(o.dir, 'clone');
      // --shared: the clone borrows the repository's objects (no copy, no checkout).
      await git(o.dir, ['clone', '--quiet', '--shared', '--no-checkout', o.repoRoot, clone]);
      await git(clone, ['remote', 'add', 'local', remote]);
      await git(clone, ['update-ref', 'refs/heads/main', o.commit]);
      self = new GitPushBuilds(o, trigger, remote, clone);
      return self;
    } catch (err) {
      await trigger.close();
      throw err;
    }
  }

  /** The trigger's side: queue the build of an accepted push; the line git shows. */
  private enqueue(p: BranchPush): string {
    const n = ++this.count;
    this.started.add(p.sha);
    const source: BuildSource = { repoRoot: this.remote, commit: p.sha, branch: p.branch };
    this.queue = this.queue.then(async () => {
      const waiter = this.waiters.get(p.sha);
      this.waiters.delete(p.sha);
      try {
        const built = await this.o.builder.build(n, source);
        if (waiter) waiter.done(built);
        else this.o.onOtherBuild(built.message, `${built.buildId} built ${built.image.digest}`);
      } catch (err) {
        if (waiter) waiter.fail(err);
        else if (isMaskopsError(err) && err.code === ContainerBuildErrorCode.NOT_DEPLOYABLE) {
          // Cloud Build publishes a failed build too; the function must ignore it.
          this.o.onOtherBuild(err.details?.build as Record<string, unknown>, err.message);
        } else this.o.log(`[trigger] build of ${p.sha.slice(0, 7)} failed: ${String(err)}`);
      }
    });
    return `local Cloud Build ${n} queued: ${p.branch} at ${p.sha.slice(0, 7)}`;
  }

  /**
   * The demo's push N (rolling-push.ts's builder): push 1 sends the checked-out commit,
   * each later one a new commit on top (same tree); `git push local main` then waits
   * for the build the push started.
   */
  async build(n: number): Promise<ContainerPushBuild> {
    if (n > 1) {
      const { stdout } = await git(this.clone, [
        'commit-tree',
        `${this.head}^{tree}`,
        '-p',
        this.head,
        '-m',
        `maskops demo: push ${n} (a new commit, same tree)`,
      ]);
      await git(this.clone, ['update-ref', 'refs/heads/main', stdout]);
      this.head = stdout;
    }
    const sha = this.head;
    const built = new Promise<ContainerPushBuild>((done, fail) => {
      this.waiters.set(sha, { done, fail });
    });
    // Awaited below once the push returns; a failure before that is not unhandled.
    built.catch(() => undefined);
    this.o.log(`[push ${n}] git push local main (${sha.slice(0, 7)})`);
    // --force: someone else's push may have moved main since.
    const { stderr } = await git(this.clone, ['push', '--force', 'local', 'main']);
    for (const line of stderr.split('\n')) {
      if (line.startsWith('remote: ')) this.o.log(`[push ${n}] ${line}`);
    }
    // The hook has run by the time git push returns: no build now means none will come.
    if (!this.started.has(sha)) {
      this.waiters.delete(sha);
      throw new Error(`git push of ${sha.slice(0, 7)} started no build: ${stderr.trim()}`);
    }
    return built;
  }

  /** Stops taking pushes and waits for the builds already queued. */
  async close(): Promise<void> {
    await this.trigger.close();
    await this.queue;
  }
}
