import { chmodSync, chownSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, sleep } from '@maskops/localcloud';
import { docker, removeAll, uniqueName } from '../../src/container/docker';
import { podRun, type DeploymentSpec, type PodRun } from '../../src/container/pod-run';
import { deployment } from './infra-files';

export interface PodContainer {
  name: string;
  run: PodRun;
  /** http://127.0.0.1:PORT of the container's main port. */
  url: string;
  /** Where /metrics answers: METRICS_PORT when the manifest sets it, else the main port. */
  metricsUrl: string;
  /** Host folders of the emptyDir volumes, by mount path. */
  emptyDirs: Map<string, string>;
  /** The container's host pid (its /proc entry). */
  pid(): Promise<number>;
  logs(): Promise<string>;
  remove(): Promise<void>;
}

/**
 * Runs IMAGE as infra/k8s/deployment.yaml's pod template says (src/container/pod-run.ts),
 * with extra `docker run` options (mounts) and env on top (only for what the test is
 * about, e.g. MODEL_PATH of a mounted model).
 */
export async function startPodContainer(
  image: string,
  o: { env?: Record<string, string>; options?: string[] } = {},
): Promise<PodContainer> {
  const name = uniqueName('maskops-test-pod');
  const hostPorts = new Map<number, number>();
  for (const c of (deployment as DeploymentSpec).spec.template.spec.containers[0].ports ?? []) {
    hostPorts.set(c.containerPort, await freePort());
  }
  const emptyDirs = new Map<string, string>();
  const run = podRun(deployment as DeploymentSpec, {
    hostPort: (p) => hostPorts.get(p)!,
    emptyDir: (_volume, mountPath) => {
      const dir = mkdtempSync(join(tmpdir(), 'maskops-test-emptydir-'));
      emptyDirs.set(mountPath, dir);
      return dir;
    },
  });
  for (const dir of emptyDirs.values()) {
    // An emptyDir belongs to the pod's fsGroup; as root here, to its user outright.
    if (process.getuid?.() === 0) chownSync(dir, run.user.uid, run.user.gid);
    else chmodSync(dir, 0o1777);
  }
  const env = Object.entries(o.env ?? {}).flatMap(([k, v]) => ['--env', `${k}=${v}`]);
  await docker([
    'run',
    '--detach',
    '--name',
    name,
    ...run.args,
    ...env,
    ...(o.options ?? []),
    image,
  ]);
  const port = (name: string): string | undefined => run.env[name] ?? o.env?.[name];
  const container: PodContainer = {
    name,
    run,
    url: `http://127.0.0.1:${port('PORT')}`,
    metricsUrl: `http://127.0.0.1:${port('METRICS_PORT') ?? port('PORT')}`,
    emptyDirs,
    pid: async () => Number((await docker(['inspect', '--format', '{{.State.Pid}}', name])).stdout),
    logs: async () => {
      const { stdout, stderr } = await docker(['logs', '--tail', '40', name]).catch(() => ({
        stdout: '',
        stderr: '(no logs)',
      }));
      return `${stdout}${stderr}`;
    },
    remove: async () => {
      await removeAll({ containers: [name] });
      for (const dir of emptyDirs.values()) rmSync(dir, { recursive: true, force: true });
    },
  };
  return container;
}

/**
 * Polls the startup probe's path until it answers 200, within the probe's budget
 * (initialDelay + period × failureThreshold). Returns the milliseconds it took.
 */
export async function waitStarted(c: PodContainer): Promise<number> {
  const started = Date.now();
  const url = `http://127.0.0.1:${c.run.startup.port}${c.run.startup.path}`;
  while (Date.now() - started < c.run.startup.budgetMs) {
    const ok = await fetch(url, { signal: AbortSignal.timeout(2000) }).then(
      (r) => r.status === 200,
      () => false,
    );
    if (ok) return Date.now() - started;
    const state = await docker(['inspect', '--format', '{{.State.Status}}', c.name]);
    if (state.stdout.trim() !== 'running') {
      throw new Error(`the container is ${state.stdout.trim()}: ${await c.logs()}`);
    }
    await sleep(250);
  }
  throw new Error(`not ready within the startup budget: ${await c.logs()}`);
}
