import { spawn, type ChildProcess } from 'node:child_process';
import { sleep } from '@maskops/localcloud';
import { PodPhase, type RunningPod } from '../pod-runtime';
import { docker, removeAll } from './docker';
import type { PodRun } from './pod-run';

/** How often readiness is probed while a pod starts (the manifest's 5 s would slow the demo). */
const PROBE_PERIOD_MS = 250;

export interface ContainerPodInit {
  /** The pod's name in the cluster. */
  name: string;
  /** The container's name on the engine (unique on this machine). */
  container: string;
  image: string;
  run: PodRun;
  /** Host port of the Service's target and of /metrics. */
  port: number;
  metricsPort: number;
  onLog?: (pod: string, line: string) => void;
  /** Called once the container is gone (its folders can go). */
  onRemoved: () => void;
}

/**
 * One pod as a container started with `docker run --detach` (container-runtime.ts): its
 * exit is watched by `docker wait`, its output followed by `docker logs --follow`.
 */
export class ContainerPod implements RunningPod {
  phase: PodPhase = PodPhase.STARTING;
  exitCode: number | null = null;
  private readonly exited: Promise<void>;
  private readonly followers: ChildProcess[] = [];

  constructor(private readonly o: ContainerPodInit) {
    const wait = spawn('docker', ['wait', o.container], { stdio: ['ignore', 'pipe', 'ignore'] });
    let out = '';
    wait.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    this.exited = new Promise((resolve) => {
      wait.once('exit', () => {
        const code = Number(out.trim());
        this.exitCode = out.trim() !== '' && Number.isInteger(code) ? code : null;
        this.phase = PodPhase.EXITED;
        resolve();
      });
    });
    this.followers.push(wait);
    if (o.onLog) {
      const onLog = o.onLog;
      const logs = spawn('docker', ['logs', '--follow', o.container], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      const forward = (chunk: Buffer): void => {
        for (const line of chunk.toString('utf8').split('\n')) if (line.trim()) onLog(o.name, line);
      };
      logs.stdout.on('data', forward);
      logs.stderr.on('data', forward);
      this.followers.push(logs);
    }
  }

  get name(): string {
    return this.o.name;
  }
  get image(): string {
    return this.o.image;
  }
  get port(): number {
    return this.o.port;
  }
  get url(): string {
    return `http://127.0.0.1:${this.o.port}`;
  }
  get metricsUrl(): string {
    return `http://127.0.0.1:${this.o.metricsPort}`;
  }

  /**
   * The startup probe's budget (or TIMEOUT_MS, if shorter), then the readiness probe's
   * path: 200 means ready. A container that exits fails at once.
   */
  async waitReady(timeoutMs: number): Promise<boolean> {
    const { startup, readiness } = this.o.run;
    const deadline = Date.now() + Math.min(timeoutMs, startup.budgetMs || timeoutMs);
    while (Date.now() < deadline && this.phase === PodPhase.STARTING) {
      if (await probe(readiness.port, readiness.path)) {
        this.phase = PodPhase.READY;
        return true;
      }
      await sleep(PROBE_PERIOD_MS);
    }
    return this.phase === PodPhase.READY;
  }

  /**
   * As the kubelet stops a pod whose endpoint is already gone: the preStop sleep (only
   * for a pod that served), then SIGTERM and SIGKILL after what is left of the grace
   * period (`docker stop --time`); then the container and its folders are removed.
   */
  async terminate(graceMs = this.o.run.gracePeriodMs): Promise<number | null> {
    if (this.phase !== PodPhase.EXITED) {
      const preStop = this.phase === PodPhase.READY ? Math.min(this.o.run.preStopMs, graceMs) : 0;
      this.phase = PodPhase.TERMINATING;
      if (preStop > 0) await sleep(preStop);
      const seconds = Math.max(1, Math.ceil((graceMs - preStop) / 1000));
      await docker(['stop', '--time', String(seconds), this.o.container]).catch(() => undefined);
      await this.exited;
    }
    await this.remove();
    return this.exitCode;
  }

  /** The last lines of its output (for a pod that never became ready). */
  async logs(): Promise<string> {
    const r = await docker(['logs', '--tail', '20', this.o.container]).catch(() => undefined);
    return r ? `${r.stdout}${r.stderr}`.trim() : '(no logs)';
  }

  private async remove(): Promise<void> {
    await removeAll({ containers: [this.o.container] });
    for (const f of this.followers) if (f.exitCode === null) f.kill();
    this.o.onRemoved();
  }
}

async function probe(port: number, path: string): Promise<boolean> {
  try {
    const res = await fetch(`http://127.0.0.1:${port}${path}`, {
      signal: AbortSignal.timeout(2000),
    });
    await res.arrayBuffer();
    return res.status === 200;
  } catch {
    return false;
  }
}
