import { spawnSync } from 'node:child_process';
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

/** The step images cloudbuild.yaml names besides Node's (`pnpm images:steps`). */
const STEP_IMAGES = [
  'gcr.io/cloud-builders/docker',
  'gcr.io/google.com/cloudsdktool/cloud-sdk:slim',
] as const;

/**
 * Suites that run those step images: without them (or without an engine) they skip
 * with one NOTE line naming the command that makes them; with CI=true they run and fail.
 */
export function describeWithStepImages(name: string, fn: () => void): void {
  const missing = ENGINE
    ? STEP_IMAGES.filter(
        (image) =>
          spawnSync('docker', ['image', 'inspect', image], { stdio: 'ignore' }).status !== 0,
      )
    : [...STEP_IMAGES];
  if (missing.length > 0 && process.env.CI !== 'true') {
    process.stderr.write(
      `\nNOTE: ${missing.join(', ')} not on the engine (pnpm images:steps): ${name} skipped\n\n`,
    );
    describe.skip(name, fn);
    return;
  }
  describe(name, fn);
}
