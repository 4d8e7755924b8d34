import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startLocalCloud, type LocalCloud } from '@maskops/localcloud';
import type { CanaryPlan } from '../../src/canary/canary-start';
import type { DeploymentPatch } from '../../src/rollout/deployment-patch';
import { useCloud } from './suite';

/** The built maskops-replay, run as a user runs it. */
export const CLI = join(__dirname, '..', '..', 'dist', 'replay', 'cli.js');

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs the CLI in a child process. `stdin`: the text to pipe in and close, or
 * 'open' to leave the pipe open and silent (a forgotten pipe).
 */
export function runCli(args: string[], env: Record<string, string>, stdin?: string): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      env: { PATH: process.env.PATH ?? '', ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    if (stdin === 'open') child.stdin.on('error', () => undefined);
    else child.stdin.end(stdin ?? '');
  });
}

/** The repository the replay tests deploy, and their build fixture's path. */
export const REPLAY_REPO = 'us-central1-docker.pkg.dev/local-project/maskops/inference-api';
export const BUILD_FILE = join(__dirname, '..', 'replay', 'fixtures', 'build-success.json');

/** The fields of the build fixture the tests read. */
export interface BuildFixture {
  id: string;
  status: string;
  results: { images: Array<{ name: string; digest: string }> };
}
export const readBuild = (file = BUILD_FILE): BuildFixture =>
  JSON.parse(readFileSync(file, 'utf8')) as BuildFixture;

/** What the CLI prints: the decision as JSON, or the function's answer to --url. */
export interface CliOutput {
  outcome?: string;
  buildId?: string;
  patch?: DeploymentPatch;
  canaryPlan?: CanaryPlan;
  status?: number;
}
export const cliOutput = (r: Run): CliOutput => JSON.parse(r.stdout) as CliOutput;

/**
 * One local cloud for a describe block (or file) of CLI runs, and the
 * deployer's env pointing at it: Deployment maskops/inference-api, no watch.
 */
export function replayCloud(): {
  readonly cloud: LocalCloud;
  readonly env: Record<string, string>;
} {
  const suite = useCloud(() => startLocalCloud({ rolloutStepMs: 5 }));
  return {
    get cloud() {
      return suite.cloud;
    },
    get env() {
      return {
        ...suite.cloud.env,
        DEPLOYMENT: 'inference-api',
        NAMESPACE: 'maskops',
        IMAGE: REPLAY_REPO,
        ROLLOUT_TIMEOUT_SECONDS: '0',
      };
    },
  };
}
