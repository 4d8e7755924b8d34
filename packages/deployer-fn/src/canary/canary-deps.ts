import type { TokenSource } from '../cluster/token-source';
import type { DeployDeps } from '../deploy/deps';
import { permanent } from '../errors';
import type { CanaryConfig } from './canary-config';
import type { CloudTasksClient } from './cloud-tasks-client';
import { cloudTasksClient } from './cloud-tasks-client';
import type { PrometheusClient } from './prometheus-client';
import { prometheusClient } from './prometheus-client';

export interface CanaryClients {
  readonly tasks: CloudTasksClient;
  readonly prometheus: PrometheusClient;
}

/** What the canary steps need on top of the rolling deploy's dependencies. */
export type CanaryDeps = DeployDeps & {
  readonly canary: CanaryConfig;
  readonly clients: CanaryClients;
};

/** Both clients authenticate with the function's own access token. */
export function createCanaryClients(
  canary: CanaryConfig,
  tokenSource: TokenSource,
  options: { timeoutMs?: number } = {},
): CanaryClients {
  return {
    tasks: cloudTasksClient(canary.cloudTasksEndpoint, canary.tasksQueue, tokenSource, options),
    prometheus: prometheusClient(canary.prometheusQueryUrl, tokenSource, options),
  };
}

/** The canary Deployment's name: `<DEPLOYMENT>-canary` (created by infra/k8s at 0 replicas). */
export const canaryName = (deployment: string): string => `${deployment}-canary`;

/** The deploy dependencies as canary dependencies; only with ROLLOUT_STRATEGY=canary. */
export function asCanaryDeps(deps: DeployDeps): CanaryDeps {
  const canary = deps.config.canary;
  if (canary === undefined || deps.canaryClients === undefined) {
    throw permanent('KUBE_REJECTED', 'the canary strategy is not configured here', {
      severity: 'ERROR',
    });
  }
  return { ...deps, canary, clients: deps.canaryClients };
}
