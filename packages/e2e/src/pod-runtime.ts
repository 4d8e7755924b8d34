import type { DeploymentSpec } from './container/pod-run';

export const PodPhase = {
  STARTING: 'starting',
  READY: 'ready',
  TERMINATING: 'terminating',
  EXITED: 'exited',
} as const;
export type PodPhase = (typeof PodPhase)[keyof typeof PodPhase];

/** One running pod of the local cluster, whatever runs it (a process or a container). */
export interface RunningPod {
  readonly name: string;
  /** The image reference it was started from (`repo@sha256:…`). */
  readonly image: string;
  /** The port the Service sends requests to (127.0.0.1). */
  readonly port: number;
  readonly url: string;
  /** Where its /metrics answers (METRICS_PORT when the pod has one). */
  readonly metricsUrl: string;
  readonly phase: PodPhase;
  /** Probes readiness until it passes (true), the pod dies or time runs out (false). */
  waitReady(timeoutMs: number): Promise<boolean>;
  /**
   * Stops it as the kubelet does (SIGTERM, the drain, SIGKILL after the grace period:
   * GRACE_MS, or the pod's own when not given).
   */
  terminate(graceMs?: number): Promise<number | null>;
}

/** An image reference made available to pods: its digest and the build it came from. */
export interface PulledImage {
  reference: string;
  digest: string;
  buildId?: string;
}

/** What the pod controller asks of a runtime: the kubelet's image pull and container start. */
export interface PodRuntime {
  /** Pulls IMAGE; rejects with the reason when it cannot be had (the rollout then fails). */
  pull(image: string): Promise<PulledImage>;
  start(o: {
    name: string;
    image: PulledImage;
    /** The Deployment (its pod template) the pod belongs to. */
    deployment: DeploymentSpec;
    container: string;
    /** The controller's env under the template's own (the demo's settings). */
    env: Record<string, string>;
    onLog?: (pod: string, line: string) => void;
  }): Promise<RunningPod>;
}

/** The literal entries of a container's env; `valueFrom` has no source here and is left out. */
export function containerEnv(env: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (!Array.isArray(env)) return out;
  for (const e of env as unknown[]) {
    if (typeof e !== 'object' || e === null) continue;
    const { name, value } = e as { name?: unknown; value?: unknown };
    if (typeof name === 'string' && typeof value === 'string') out[name] = value;
  }
  return out;
}
