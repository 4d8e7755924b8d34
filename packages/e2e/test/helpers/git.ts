import { execFile } from 'node:child_process';

/**
 * git in `cwd` with a test identity; resolves to its trimmed stdout, rejects with its
 * stderr. Asynchronous: a push's hook may be answered by a server in the same process.
 */
export const git = (cwd: string, args: string[]): Promise<string> =>
  new Promise<string>((done, fail) => {
    execFile(
      'git',
      ['-c', 'user.name=maskops test', '-c', 'user.email=test@example.invalid', ...args],
      { cwd, encoding: 'utf8' },
      (error, stdout, stderr) => (error ? fail(new Error(stderr)) : done(stdout.trim())),
    );
  });
