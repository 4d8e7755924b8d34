import type { Logger } from '@maskops/shared';
import { sleep } from '@maskops/shared';
import type { CanaryConfig } from './canary/canary-config';
import type { CloudTasksClient } from './canary/cloud-tasks-client';
import { cloudTasksClient } from './canary/cloud-tasks-client';
import type { PrometheusClient } from './canary/prometheus-client';
import { prometheusClient } from './canary/prometheus-client';
import { createClusterConnector } from './cluster/cluster-connector';
import type { DeploymentsApi } from './cluster/kube-client';
import type { TokenSource } from './cluster/token-source';
import { googleTokenSource } from './cluster/token-source';
import type { DeployerConfig } from './config';
import { permanent } from './errors';

/** Cloud Tasks and Prometheus, with ROLLOUT_STRATEGY=canary. */
interface CanaryClients {
  readonly tasks: CloudTasksClient;
  readonly prometheus: PrometheusClient;
}

/**
 * Everything a decision and its act need, built once per instance (`createDeps`)
 * and passed down under this one name; plain values, so tests can supply their own.
 */
export interface Deps {
  readonly config: DeployerConfig;
  readonly logger: Logger;
  readonly api: DeploymentsApi;
  /** Present exactly when `config.canary` is. */
  readonly canaryClients?: CanaryClients;
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
}

/** Deps of a function running the canary strategy. */
export type CanaryDeps = Deps & {
  readonly config: DeployerConfig & { readonly canary: CanaryConfig };
  readonly canaryClients: CanaryClients;
};

/** The deps as canary deps; a configuration error when the canary strategy is not set up here. */
export function canaryDeps(deps: Deps): CanaryDeps {
  if (deps.config.canary === undefined || deps.canaryClients === undefined) {
    throw permanent('CANARY_NOT_CONFIGURED', 'the canary strategy is not configured here', {
      severity: 'ERROR',
    });
  }
  return deps as CanaryDeps;
}

export interface DepsOptions {
  readonly config: DeployerConfig;
  readonly logger: Logger;
  /** Default: the GKE (or KUBECONFIG) connection, connected on first use. */
  readonly api?: DeploymentsApi;
  /** Default: Application Default Credentials. */
  readonly tokenSource?: TokenSource;
  readonly pollIntervalMs?: number;
  /** Per HTTP call to the Container API, Kubernetes, Cloud Tasks and Prometheus. */
  readonly requestTimeoutMs?: number;
}

/**
 * The instance's clients: one token source, one cluster connection (which
 * connects lazily and keeps the connection), and with the canary strategy one
 * Cloud Tasks and one Prometheus client, all authenticated by that token source.
 */
export function createDeps(options: DepsOptions): Deps {
  const { config, logger } = options;
  const timeout =
    options.requestTimeoutMs === undefined ? {} : { timeoutMs: options.requestTimeoutMs };
  const tokenSource = options.tokenSource ?? googleTokenSource({ projectId: config.project });
  const api = options.api ?? createClusterConnector({ config, tokenSource, ...timeout });
  const canary = config.canary;
  return {
    config,
    logger,
    api,
    ...(canary === undefined
      ? {}
      : {
          canaryClients: {
            tasks: cloudTasksClient(
              canary.cloudTasksEndpoint,
              canary.tasksQueue,
              tokenSource,
              timeout,
            ),
            prometheus: prometheusClient(canary.prometheusQueryUrl, tokenSource, timeout),
          },
        }),
    now: () => Date.now(),
    sleep,
    random: () => Math.random(),
    ...(options.pollIntervalMs === undefined ? {} : { pollIntervalMs: options.pollIntervalMs }),
  };
}
