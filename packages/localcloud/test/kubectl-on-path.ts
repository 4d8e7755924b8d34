import { existsSync } from 'node:fs';
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
