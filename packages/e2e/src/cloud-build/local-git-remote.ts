import { execFileSync } from 'node:child_process';
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { PushTrigger } from './push-trigger';

/**
 * The local stand-in for the repository a Cloud Build trigger watches: a bare git
 * repository whose post-receive hook hands each push's ref updates to the push trigger
 * (push-trigger.ts) over loopback. The hook runs after git has stored the push, so a
 * trigger that is down never refuses a push; the hook then says nothing was built.
 * The hook is this process's Node running a few lines of JavaScript; the trigger's
 * token is in the hook's environment, not its arguments (which `ps` shows).
 */

/** hooks/maskops-trigger.mjs: stdin to the trigger, its answer to stdout (`remote: …`). */
const HOOK_SCRIPT = `// Installed by maskops: hands this push's ref updates to the local Cloud Build trigger.
const url = process.argv[2];
let input = '';
for await (const chunk of process.stdin) input += chunk;
try {
  const res = await fetch(url, {
    method: 'POST',
    headers: {
      authorization: 'Bearer ' + process.env.MASKOPS_TRIGGER_TOKEN,
      'content-type': 'text/plain; charset=utf-8',
    },
    body: input,
    signal: AbortSignal.timeout(10000),
  });
  const text = await res.text();
  process.stdout.write(res.ok ? text : 'maskops: the trigger refused the push: ' + text + '\\n');
} catch (err) {
  const why = err?.cause?.code ?? err?.message ?? String(err);
  process.stdout.write('maskops: no local Cloud Build trigger answered at ' + url + ' (' + why + '): nothing was built\\n');
}
`;

/** A POSIX shell single-quoted word. */
const quote = (s: string): string => `'${s.replaceAll("'", `'\\''`)}'`;

/**
 * Creates the bare repository DIR (default branch main) with the hook that reports to
 * TRIGGER; returns DIR, the URL to `git remote add`.
 */
export function createLocalGitRemote(
  dir: string,
  trigger: Pick<PushTrigger, 'url' | 'token'>,
): string {
  execFileSync('git', ['init', '--quiet', '--bare', '--initial-branch=main', dir], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  const hooks = join(dir, 'hooks');
  const script = join(hooks, 'maskops-trigger.mjs');
  writeFileSync(script, HOOK_SCRIPT, { mode: 0o600 });
  const hook = join(hooks, 'post-receive');
  writeFileSync(
    hook,
    [
      '#!/bin/sh',
      '# Installed by maskops: a push to this repository starts the local Cloud Build.',
      `MASKOPS_TRIGGER_TOKEN=${quote(trigger.token)} exec ${quote(process.execPath)} ${quote(script)} ${quote(trigger.url)}`,
      '',
    ].join('\n'),
    { mode: 0o700 },
  );
  // The mode given to writeFileSync is masked by the umask; a hook must be executable.
  chmodSync(hook, 0o700);
  return dir;
}
