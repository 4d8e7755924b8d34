import { dockerEngineVersion } from '../../src/container/docker';

/**
 * The container suites need a Docker Engine (.ci/run starts one). Without one they
 * skip with one NOTE line; with CI=true they run and fail instead.
 */
const ENGINE = dockerEngineVersion();

export function describeWithEngine(name: string, fn: () => void): void {
  if (!ENGINE && process.env.CI !== 'true') {
    process.stderr.write(`\nNOTE: no Docker Engine answers: ${name} skipped\n\n`);
    describe.skip(name, fn);
    return;
  }
  describe(name, fn);
}

/** Progress on stderr: the container suites take minutes. */
export const progress =
  (suite: string) =>
  (msg: string): void => {
    process.stderr.write(`[${suite}] ${msg}\n`);
  };
