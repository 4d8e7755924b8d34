import { execFileSync, spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { MaskopsError } from '@maskops/shared';

/** The pieces of a local Cloud Build: resolving and exporting the commit, running a step. */
export const LocalBuildErrorCode = {
  BAD_REVISION: 'LOCAL_BUILD_BAD_REVISION',
  WORKDIR_NOT_EMPTY: 'LOCAL_BUILD_WORKDIR_NOT_EMPTY',
  EXPORT_FAILED: 'LOCAL_BUILD_EXPORT_FAILED',
  BAD_BUILD_ID: 'LOCAL_BUILD_BAD_BUILD_ID',
  BAD_SUBSTITUTION: 'LOCAL_BUILD_BAD_SUBSTITUTION',
} as const;

const TAIL_LINES = 40;

/** RFC 3339 with microseconds, as Cloud Build writes its timestamps. */
export function cloudBuildTimestamp(): string {
  const micros = Math.floor((performance.timeOrigin + performance.now()) * 1000);
  const seconds = new Date(Math.floor(micros / 1000)).toISOString().slice(0, 19);
  return `${seconds}.${String(micros % 1_000_000).padStart(6, '0')}Z`;
}

export function git(repoRoot: string, args: string[]): string {
  return execFileSync('git', args, {
    cwd: repoRoot,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  }).trim();
}

export function resolveCommit(repoRoot: string, ref: string): { sha: string; branch: string } {
  let sha = '';
  try {
    // A leading '-' would be read as an option by git.
    if (ref.startsWith('-')) throw new Error('not a revision');
    sha = git(repoRoot, ['rev-parse', '--verify', '--quiet', `${ref}^{commit}`]);
  } catch (cause) {
    throw new MaskopsError(
      LocalBuildErrorCode.BAD_REVISION,
      `"${ref}" is not a commit in ${repoRoot}`,
      { cause, details: { ref } },
    );
  }
  let branch = 'HEAD';
  try {
    const full = git(repoRoot, ['rev-parse', '--symbolic-full-name', ref]);
    if (full.startsWith('refs/heads/')) branch = full.slice('refs/heads/'.length);
  } catch {
    // A plain sha or an expression has no branch; Cloud Build leaves BRANCH_NAME empty there.
  }
  return { sha, branch };
}

/** `git archive <sha> | tar -x`: the repository itself is left untouched. */
export function exportTree(repoRoot: string, sha: string, dest: string): Promise<void> {
  return new Promise((done, fail) => {
    const archive = spawn('git', ['archive', '--format=tar', sha], {
      cwd: repoRoot,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const tar = spawn('tar', ['-x', '-C', dest], { stdio: ['pipe', 'ignore', 'pipe'] });
    archive.stdout.pipe(tar.stdin);
    let stderr = '';
    archive.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    tar.stderr.on('data', (c: Buffer) => (stderr += c.toString('utf8')));
    archive.once('error', fail);
    tar.once('error', fail);
    const exited = (child: typeof tar | typeof archive): Promise<number | null> =>
      new Promise((r) => child.once('close', (code) => r(code)));
    void Promise.all([exited(archive), exited(tar)]).then(([a, t]) => {
      if (a === 0 && t === 0) done();
      else
        fail(
          new MaskopsError(
            LocalBuildErrorCode.EXPORT_FAILED,
            `exporting ${sha} failed (git archive ${a}, tar ${t}): ${stderr.trim().slice(0, 500)}`,
          ),
        );
    });
  });
}

/**
 * The env of the steps: this process's, minus what an enclosing pnpm/turbo/jest run
 * leaks into it (npm_config_* would reconfigure the inner pnpm, NODE_ENV=production
 * would skip devDependencies), as Cloud Build starts each step clean.
 */
function stepEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (/^(npm_|TURBO_|PNPM_|JEST_)/i.test(k) || k === 'NODE_ENV' || k === 'INIT_CWD') continue;
    env[k] = v;
  }
  // The exported tree sits in this repository's ignored .localcloud/, where turbo hashes
  // through the enclosing git repository (the ignored sources count for nothing) and
  // shares the worktrees' cache: a cache hit there restored another commit's build.
  // Cloud Build starts without a cache; so does this build.
  return {
    ...env,
    TURBO_TELEMETRY_DISABLED: '1',
    TURBO_NO_UPDATE_NOTIFIER: '1',
    TURBO_FORCE: 'true',
  };
}

export interface StepResult {
  exitCode: number;
  tail: string[];
}

export function runStep(
  cwd: string,
  args: string[],
  logFile: string,
  env: Record<string, string> = {},
): Promise<StepResult> {
  return new Promise((done) => {
    const out = createWriteStream(logFile, { flags: 'a' });
    out.write(`\n=== pnpm ${args.join(' ')} (${cloudBuildTimestamp()}) ===\n`);
    const tail: string[] = [];
    let partial = '';
    const keep = (chunk: Buffer): void => {
      out.write(chunk);
      const lines = (partial + chunk.toString('utf8')).split('\n');
      partial = lines.pop() ?? '';
      tail.push(...lines);
      if (tail.length > TAIL_LINES) tail.splice(0, tail.length - TAIL_LINES);
    };
    const child = spawn('pnpm', args, {
      cwd,
      env: { ...stepEnv(), ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout.on('data', keep);
    child.stderr.on('data', keep);
    const finish = (exitCode: number, extra?: string): void => {
      if (partial) tail.push(partial);
      if (extra) tail.push(extra);
      out.end(extra ? `${extra}\n` : '', () => done({ exitCode, tail: tail.slice(-TAIL_LINES) }));
    };
    child.once('error', (err) => finish(127, `could not run pnpm: ${err.message}`));
    child.once('close', (code, signal) => finish(code ?? (signal ? 128 : 1)));
  });
}
