import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { freePort, sleep } from '@maskops/localcloud';
import type { LocalImage } from './image-store';
import { PodPhase, type RunningPod } from './pod-runtime';

/** How long a process pod may drain when the controller sets no grace period. */
const DEFAULT_GRACE_MS = 15_000;

/** One inference-api process: a pod of the local Deployment, run from a directory image. */
export class Pod implements RunningPod {
  phase: PodPhase = PodPhase.STARTING;
  exitCode: number | null = null;
  private readonly exited: Promise<void>;

  private constructor(
    readonly name: string,
    readonly local: LocalImage,
    readonly port: number,
    private readonly child: ChildProcess,
  ) {
    this.exited = new Promise((resolve) => {
      child.once('exit', (code) => {
        this.exitCode = code;
        this.phase = PodPhase.EXITED;
        resolve();
      });
    });
  }

  static async start(opts: {
    name: string;
    image: LocalImage;
    env?: Record<string, string>;
    onLog?: (pod: string, line: string) => void;
  }): Promise<Pod> {
    const port = await freePort();
    const child = spawn(process.execPath, [join(opts.image.dir, 'dist', 'main.js')], {
      cwd: opts.image.dir,
      env: {
        PATH: process.env.PATH ?? '',
        ...opts.image.env,
        ...opts.env,
        PORT: String(port),
        HOST: '127.0.0.1',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const pod = new Pod(opts.name, opts.image, port, child);
    const forward = (chunk: Buffer) => {
      for (const line of chunk.toString('utf8').split('\n'))
        if (line.trim()) opts.onLog?.(opts.name, line);
    };
    child.stdout?.on('data', forward);
    child.stderr?.on('data', forward);
    return pod;
  }

  get image(): string {
    return `${this.local.repository}@${this.local.digest}`;
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }

  get metricsUrl(): string {
    return this.url;
  }

  /** Polls /readyz like a readiness probe until it answers 200 (or the pod dies / time runs out). */
  async waitReady(timeoutMs: number, periodMs = 200): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline && this.phase === PodPhase.STARTING) {
      if (await this.probe('/readyz')) {
        this.phase = PodPhase.READY;
        return true;
      }
      await sleep(periodMs);
    }
    return this.phase === PodPhase.READY;
  }

  async probe(path: string): Promise<boolean> {
    try {
      const res = await fetch(this.url + path, { signal: AbortSignal.timeout(1000) });
      await res.arrayBuffer();
      return res.status === 200;
    } catch {
      return false;
    }
  }

  /** SIGTERM, then wait for the drain; SIGKILL after the grace period like the kubelet. */
  async terminate(graceMs = DEFAULT_GRACE_MS): Promise<number | null> {
    if (this.phase === PodPhase.EXITED) return this.exitCode;
    this.phase = PodPhase.TERMINATING;
    this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(timer);
    return this.exitCode;
  }
}
