import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from '@maskops/localcloud';
import type { PodRuntime, PulledImage, RunningPod } from '../pod-runtime';
import { ContainerPod } from './container-pod';
import { docker, uniqueName } from './docker';
import { podRun } from './pod-run';

/** The label on every container a runtime starts; its value is the runtime's run id. */
export const RUN_LABEL = 'maskops.e2e';

const DIGEST_REF = /^[^@\s]+@sha256:[0-9a-f]{64}$/;

export interface ContainerRuntimeOptions {
  /** The bearer token written into every Secret volume (the pods' API_TOKENS_FILE). */
  apiToken?: string;
  /** One line per pull. */
  onEvent?: (line: string) => void;
}

/**
 * Pods as containers (what the kubelet does with a pod template, on this engine):
 * the image is pulled by digest from the registry it names, and `docker run` gets the
 * template's user, security settings, env, resources and volumes (pod-run.ts), host
 * networking with every container port moved to a free loopback port. Every container
 * carries `maskops.e2e=<run id>`: `close()`, an exit and SIGINT/SIGTERM remove them by
 * that label, with the pods' folders and the images pulled.
 */
export class ContainerPodRuntime implements PodRuntime {
  readonly runId = uniqueName('maskops-e2e');
  /** The token clients send (`authorization: Bearer …`) when the pods read API_TOKENS_FILE. */
  readonly apiToken: string;
  private readonly root = mkdtempSync(join(tmpdir(), 'maskops-pods-'));
  private readonly pulled = new Set<string>();
  private readonly live = new Set<ContainerPod>();
  private closed = false;
  private readonly onExit = (): void => this.removeNow();
  private readonly onSignal = (signal: NodeJS.Signals): void => {
    this.removeNow();
    this.unhook();
    // The signal's usual end, now that the containers are gone (unless others handle it).
    if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
  };

  constructor(private readonly o: ContainerRuntimeOptions = {}) {
    this.apiToken = o.apiToken ?? randomBytes(24).toString('hex');
    process.once('exit', this.onExit);
    process.once('SIGINT', this.onSignal);
    process.once('SIGTERM', this.onSignal);
  }

  /**
   * `docker pull` by digest, even when the engine has the image (it built it): the pull
   * asks the registry, so a digest the registry does not serve fails here, as on GKE.
   */
  async pull(image: string): Promise<PulledImage> {
    if (!DIGEST_REF.test(image)) throw new Error(`${image} is not pinned by digest`);
    const started = Date.now();
    await docker(['pull', '--quiet', image], { timeoutMs: 300_000 });
    this.pulled.add(image);
    const { stdout } = await docker([
      'image',
      'inspect',
      '--format',
      '{{json .Config.Env}}',
      image,
    ]);
    const env = JSON.parse(stdout) as string[] | null;
    const buildId = env?.find((e) => e.startsWith('MASKOPS_BUILD_ID='))?.split('=')[1];
    this.o.onEvent?.(
      `pulled ${image.slice(0, image.indexOf('@') + 19)} in ${Date.now() - started} ms`,
    );
    return {
      reference: image,
      digest: image.slice(image.indexOf('@') + 1),
      ...(buildId ? { buildId } : {}),
    };
  }

  async start(o: Parameters<PodRuntime['start']>[0]): Promise<RunningPod> {
    if (this.closed) throw new Error('the container runtime is closed');
    const dir = join(this.root, o.name);
    mkdirSync(dir);
    const hostPorts = new Map<number, number>();
    const c = o.deployment.spec.template.spec.containers.find((x) => x.name === o.container);
    for (const p of c?.ports ?? []) hostPorts.set(p.containerPort, await freePort());
    try {
      const emptyDirs: string[] = [];
      const run = podRun(o.deployment, {
        container: o.container,
        hostPort: (p) => hostPorts.get(p)!,
        emptyDir: (volume) => this.emptyDir(dir, volume, emptyDirs),
        secret: (secretName) => this.secret(dir, secretName),
      });
      // An emptyDir belongs to the pod's fsGroup; as root here, to its user outright.
      for (const path of emptyDirs) {
        if (process.getuid?.() === 0) chownSync(path, run.user.uid, run.user.gid);
        else chmodSync(path, 0o1777);
      }
      const port = Number(run.env.PORT ?? [...hostPorts.values()][0]);
      const metricsPort = Number(run.env.METRICS_PORT ?? port);
      if (!Number.isInteger(port) || port <= 0) throw new Error('the pod declares no port');
      // The controller's env goes under the template's: the manifest has the last word.
      const extra = Object.entries(o.env).filter(([k]) => run.env[k] === undefined);
      const container = `${this.runId}-${o.name}`;
      await docker([
        'run',
        '--detach',
        '--name',
        container,
        '--label',
        `${RUN_LABEL}=${this.runId}`,
        ...run.args,
        ...extra.flatMap(([k, v]) => ['--env', `${k}=${v}`]),
        o.image.reference,
      ]);
      const pod = new ContainerPod({
        name: o.name,
        container,
        image: o.image.reference,
        run,
        port,
        metricsPort,
        ...(o.onLog ? { onLog: o.onLog } : {}),
        onRemoved: () => {
          this.live.delete(pod);
          rmSync(dir, { recursive: true, force: true });
        },
      });
      this.live.add(pod);
      return pod;
    } catch (err) {
      rmSync(dir, { recursive: true, force: true });
      throw err;
    }
  }

  /** Stops what is still running (each pod drains), then removes everything by label. */
  async close(): Promise<void> {
    await Promise.all([...this.live].map((p) => p.terminate()));
    this.closed = true;
    this.removeNow();
    this.unhook();
  }

  /**
   * Synchronous, for exits and signals too: no drain, every container of this run goes,
   * then the images it pulled and the pods' folders.
   */
  private removeNow(): void {
    const ids = spawnSync(
      'docker',
      ['ps', '--all', '--quiet', '--filter', `label=${RUN_LABEL}=${this.runId}`],
      { encoding: 'utf8', timeout: 20_000 },
    ).stdout?.trim();
    if (ids) {
      spawnSync('docker', ['rm', '--force', '--volumes', ...ids.split('\n')], {
        stdio: 'ignore',
        timeout: 60_000,
      });
    }
    if (this.pulled.size > 0) {
      spawnSync('docker', ['image', 'rm', ...this.pulled], { stdio: 'ignore', timeout: 60_000 });
      this.pulled.clear();
    }
    rmSync(this.root, { recursive: true, force: true });
  }

  private unhook(): void {
    process.removeListener('exit', this.onExit);
    process.removeListener('SIGINT', this.onSignal);
    process.removeListener('SIGTERM', this.onSignal);
  }

  /** An emptyDir, owned by the pod's user once podRun has read it (see `start`). */
  private emptyDir(podDir: string, volume: string, made: string[]): string {
    const path = join(podDir, `empty-${volume}`);
    mkdirSync(path);
    made.push(path);
    return path;
  }

  /** A Secret volume: every Secret gets the run's token under the key `tokens` (setup.sh's). */
  private secret(podDir: string, secretName: string): string {
    const path = join(podDir, `secret-${secretName}`);
    mkdirSync(path);
    writeFileSync(join(path, 'tokens'), `${this.apiToken}\n`, { mode: 0o444 });
    chmodSync(path, 0o755);
    return path;
  }
}
