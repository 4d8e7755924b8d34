import { spawn } from 'node:child_process';
import { chmodSync, writeFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { docker } from '../container/docker';
import type { PlannedStep } from './build-plan';
import { CLOUD_SDK_CONFIG_VOLUME, cloudSdkRunArgs, type CloudSdk } from './cloud-sdk';
import { localStepArgs, type LocalStepOptions } from './local-step-options';

/**
 * One build step as Cloud Build runs it: a container of the step's `name` image on the
 * host network, the build's workspace at /workspace (the working directory, or `dir`
 * under it), HOME=/builder/home on a volume every step of the build shares, the step's
 * env, entrypoint and args (or its `script`), its volumes, and the engine's socket (as
 * Cloud Build gives every step, so `docker` steps build on the same engine). A step
 * whose image asks for the Cloud SDK (cloud-sdk.ts) gets the host's, read-only, with
 * its loopback-only environment last, so no step env can point gcloud elsewhere. The
 * local build never pulls.
 */
export interface StepContext {
  /** Host folder mounted at /workspace. */
  readonly workspace: string;
  /** Host folder for `script` files (mounted read-only). */
  readonly scriptDir: string;
  /** Docker volume name of a build volume (`volumes[].name`, or the shared home). */
  readonly volume: (name: string) => string;
  /** Label every container of the build carries, so none is left behind. */
  readonly label: string;
  /** Where a step image wants the Cloud SDK mounted (its label), if it does. */
  readonly cloudSdkMount: (image: string) => string | undefined;
  /** The SDK lent to such steps; the build refuses to start them without it. */
  readonly cloudSdk?: CloudSdk;
  /** Local deviations from Cloud Build's worker (local-step-options.ts). */
  readonly local?: LocalStepOptions;
}

const WORKSPACE = '/workspace';
const HOME = '/builder/home';
const DOCKER_SOCKET = '/var/run/docker.sock';
/** The shared home is Cloud Build's own volume, not one a config can name. */
const HOME_VOLUME = '$home';

/** `docker run` arguments for a step, up to and including the image and its args. */
function stepRunArgs(step: PlannedStep, name: string, ctx: StepContext): string[] {
  const args = [
    'run',
    '--name',
    name,
    '--label',
    ctx.label,
    '--pull',
    'never',
    '--network',
    'host',
  ];
  args.push('--mount', `type=bind,src=${ctx.workspace},dst=${WORKSPACE}`);
  args.push('--mount', `type=volume,src=${ctx.volume(HOME_VOLUME)},dst=${HOME}`);
  args.push('--mount', `type=bind,src=${DOCKER_SOCKET},dst=${DOCKER_SOCKET}`);
  for (const v of step.volumes) {
    args.push('--mount', `type=volume,src=${ctx.volume(v.name)},dst=${v.path}`);
  }
  if (ctx.local !== undefined) args.push(...localStepArgs(ctx.local, step.name));
  args.push('--workdir', posix.resolve(WORKSPACE, step.dir ?? '.'));
  args.push('--env', `HOME=${HOME}`);
  for (const e of step.env) args.push('--env', e);
  const sdkMount = ctx.cloudSdkMount(step.name);
  if (sdkMount !== undefined && ctx.cloudSdk !== undefined) {
    args.push(...cloudSdkRunArgs(ctx.cloudSdk, sdkMount, ctx.volume(CLOUD_SDK_CONFIG_VOLUME)));
  }
  if (step.script !== undefined) {
    // Without a shebang Cloud Build runs the script with /bin/sh.
    const file = join(ctx.scriptDir, `step-${step.index}`);
    const text = step.script.startsWith('#!') ? step.script : `#!/bin/sh\n${step.script}`;
    writeFileSync(file, text);
    chmodSync(file, 0o755);
    const target = `/builder/scripts/step-${step.index}`;
    args.push('--mount', `type=bind,src=${file},dst=${target},readonly`);
    args.push('--entrypoint', target, step.name);
    return args;
  }
  if (step.entrypoint !== undefined) args.push('--entrypoint', step.entrypoint);
  args.push(step.name, ...step.args);
  return args;
}

interface StepExit {
  /** The container's exit code; undefined when it was stopped (timeout or cancel). */
  readonly code?: number;
  readonly stopped: boolean;
}

export interface RunningStep {
  readonly done: Promise<StepExit>;
  /** Kills and removes the container; `done` then resolves with stopped: true. */
  stop(): Promise<void>;
}

/**
 * Starts a step's container, streaming each line of its output to `line`. The
 * container is removed when it ends, whatever ended it.
 */
export function startStep(
  step: PlannedStep,
  name: string,
  ctx: StepContext,
  line: (text: string) => void,
): RunningStep {
  let stopped = false;
  const child = spawn('docker', stepRunArgs(step, name, ctx), {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  for (const stream of [child.stdout, child.stderr]) {
    let rest = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      const lines = (rest + chunk).split('\n');
      rest = lines.pop() ?? '';
      for (const l of lines) line(l);
    });
    stream.on('end', () => {
      if (rest) line(rest);
    });
  }
  const remove = () =>
    docker(['rm', '--force', name]).then(
      () => undefined,
      () => undefined,
    );
  let closed = false;
  const done = new Promise<StepExit>((resolve) => {
    child.on('error', (err) => {
      closed = true;
      line(`docker could not start: ${err.message}`);
      resolve({ code: 127, stopped });
    });
    child.on('close', (code) => {
      closed = true;
      void remove().then(() => {
        resolve(stopped ? { stopped } : { code: code ?? 1, stopped });
      });
    });
  });
  return {
    done,
    stop: async () => {
      stopped = true;
      // Until `docker run` has created the container there is nothing to remove yet.
      while (!closed) {
        await remove();
        await Promise.race([done, sleep(500)]);
      }
    },
  };
}
