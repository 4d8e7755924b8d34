import { randomBytes } from 'node:crypto';
import { chmodSync, chownSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
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
  /**
   * The request headers a client needs: the bearer token of the Secret the manifest
   * mounts for API_TOKENS_FILE (one generated per container), if any.
   */
  headers: Record<string, string>;
  /**
   * The pod's env for a host process beside it: API_TOKENS_FILE pointing at the same
   * file on the host, and METRICS_PORT 0 (any free port: the container holds its own).
   */
  hostEnv: Record<string, string>;
  /** Where volumes are mounted in the container (docker creates these mount points). */
  mountPaths: string[];
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
  // Secret volumes: a generated token under every key the manifest's env may name
  // (setup.sh creates the Secret with the one key `tokens`).
  const token = randomBytes(24).toString('hex');
  const secretDirs = new Map<string, string>();
  const run = podRun(deployment as DeploymentSpec, {
    secret: (_secretName, mountPath) => {
      const dir = mkdtempSync(join(tmpdir(), 'maskops-test-secret-'));
      writeFileSync(join(dir, 'tokens'), `${token}\n`, { mode: 0o444 });
      chmodSync(dir, 0o755);
      secretDirs.set(mountPath, dir);
      return dir;
    },
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
  const hostEnv = { ...run.env };
  if (hostEnv.METRICS_PORT !== undefined) hostEnv.METRICS_PORT = '0';
  const tokensFile = run.env.API_TOKENS_FILE;
  for (const [mountPath, dir] of secretDirs) {
    if (tokensFile?.startsWith(`${mountPath}/`)) {
      hostEnv.API_TOKENS_FILE = join(dir, tokensFile.slice(mountPath.length + 1));
    }
  }
  const headers: Record<string, string> =
    tokensFile === undefined ? {} : { authorization: `Bearer ${token}` };
  const container: PodContainer = {
    name,
    run,
    url: `http://127.0.0.1:${port('PORT')}`,
    metricsUrl: `http://127.0.0.1:${port('METRICS_PORT') ?? port('PORT')}`,
    emptyDirs,
    headers,
    hostEnv,
    mountPaths: [...emptyDirs.keys(), ...secretDirs.keys()],
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
      for (const dir of [...emptyDirs.values(), ...secretDirs.values()]) {
        rmSync(dir, { recursive: true, force: true });
      }
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
