import { execFile } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** What a kubectl run printed and how it exited. */
export interface KubectlRun {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * kubectl from PATH, for the suites that drive the stand-in with the real client. Where
 * it is missing they skip with one visible warning (a silent skip would pass for a pass);
 * under CI=true, where .ci/run guarantees kubectl, a missing one is an error.
 */
export function kubectlOnPath(suite: string): {
  kubectlPath: string | undefined;
  describeKubectl: jest.Describe;
} {
  const kubectlPath = (process.env.PATH ?? '')
    .split(':')
    .map((d) => join(d, 'kubectl'))
    .find((p) => existsSync(p));
  if (!kubectlPath) {
    if (process.env.CI === 'true') throw new Error('kubectl is required on PATH when CI=true');
    console.warn(`kubectl not on PATH: skipping ${suite}`);
  }
  return { kubectlPath, describeKubectl: kubectlPath ? describe : describe.skip };
}

/**
 * A kubectl runner with its kubeconfig (`DIR/kubeconfig`) and cache in `dir`; a manifest,
 * when given, is written to a file there and passed with `-f`. Asynchronous on purpose:
 * the API server runs in the test's own event loop.
 */
export function kubectlIn(
  kubectlPath: string | undefined,
  dir: string,
): (args: string[], manifest?: unknown) => Promise<KubectlRun> {
  let n = 0;
  return (args, manifest) =>
    new Promise((resolve) => {
      const file = join(dir, `manifest-${++n}.json`);
      if (manifest !== undefined) writeFileSync(file, JSON.stringify(manifest));
      execFile(
        kubectlPath as string,
        [
          '--kubeconfig',
          join(dir, 'kubeconfig'),
          '--cache-dir',
          join(dir, 'cache'),
          ...args,
          ...(manifest === undefined ? [] : ['-f', file]),
        ],
        { timeout: 30_000 },
        (err, stdout, stderr) =>
          resolve({
            code: err ? (typeof err.code === 'number' ? err.code : 1) : 0,
            stdout,
            stderr,
          }),
      );
    });
}
