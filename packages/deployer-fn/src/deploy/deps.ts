import type { Logger } from '@maskops/shared';
import { sleep } from '@maskops/shared';
import type { CanaryClients } from '../canary/canary-deps';
import type { DeploymentsApi } from '../cluster/kube-client';
import type { DeployerConfig } from '../config';

/** What the deploy steps need; plain values so tests and the replay CLI can supply their own. */
export interface DeployDeps {
  readonly api: DeploymentsApi;
  readonly config: DeployerConfig;
  readonly logger: Logger;
  /** Milliseconds, like Date.now. */
  readonly now: () => number;
  readonly sleep: (ms: number) => Promise<void>;
  /** [0, 1), for backoff jitter. */
  readonly random: () => number;
  /** How often the rollout is polled; default 1000 ms. */
  readonly pollIntervalMs?: number;
  /** Patch attempts when the Deployment changes under us (409); default 4. */
  readonly maxPatchAttempts?: number;
  /**
   * Epoch ms: conflicting patches are retried until then, even past
   * maxPatchAttempts (a canary step sets it; a busy cluster must not fail it).
   */
  readonly patchDeadline?: number;
  /** Cloud Tasks and Prometheus, with ROLLOUT_STRATEGY=canary (not needed for a dry run). */
  readonly canaryClients?: CanaryClients;
}

export const defaultRuntime = {
  now: (): number => Date.now(),
  sleep,
  random: (): number => Math.random(),
};
