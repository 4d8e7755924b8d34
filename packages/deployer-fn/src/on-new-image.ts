import type { CloudEvent } from '@google-cloud/functions-framework';
import type { Env, Logger } from '@maskops/shared';
import { createLogger, extractPubsubMessage, loadConfigOrExit } from '@maskops/shared';
import { createCanaryClients } from './canary/canary-deps';
import { handleStepEvent } from './canary/step-handler';
import { decodeStepEvent } from './canary/step-event';
import { createClusterConnector } from './cluster/cluster-connector';
import type { DeploymentsApi } from './cluster/kube-client';
import type { TokenSource } from './cluster/token-source';
import { googleTokenSource } from './cluster/token-source';
import type { DeployerConfig } from './config';
import { readConfig } from './config';
import { defaultRuntime } from './deploy/deps';
import type { HandleResult } from './decision-log';
import { handleMessage } from './handler';
import { Outcome } from './outcome';

export interface OnNewImageOptions {
  /** Defaults to reading `env` (process.env), exiting with one line if invalid. */
  config?: DeployerConfig;
  env?: Env;
  logger?: Logger;
  /** Defaults to a lazily connected GKE (or KUBECONFIG) client. */
  api?: DeploymentsApi;
  tokenSource?: TokenSource;
  pollIntervalMs?: number;
  /** Per HTTP call to the Container API / Kubernetes; default 15 s. */
  requestTimeoutMs?: number;
  /** Called with every result (tests, bench). */
  onResult?: (result: HandleResult) => void;
}

/** Thrown for transient failures: functions-framework then answers non-2xx and Pub/Sub redelivers. */
export class RetryableInvocationError extends Error {
  constructor(readonly result: HandleResult) {
    super(`transient failure (${result.code ?? 'unknown'}): ${result.reason ?? ''}`.slice(0, 500));
    this.name = 'RetryableInvocationError';
  }
}

export type PubsubEventHandler = (event: unknown, context?: unknown) => Promise<HandleResult>;

/**
 * Builds the event handler: config read once (now), the cluster client created
 * on the first message and kept for the instance's life.
 */
export function createPubsubHandler(options: OnNewImageOptions = {}): PubsubEventHandler {
  const config = options.config ?? loadConfigOrExit(() => readConfig(options.env ?? process.env));
  const logger = options.logger ?? createLogger({ base: { component: 'deployer-fn' } });
  let api = options.api;
  let tokenSource = options.tokenSource;
  const timeout =
    options.requestTimeoutMs === undefined ? {} : { timeoutMs: options.requestTimeoutMs };
  const canaryClients = () => {
    if (config.canary === undefined) return {};
    return { canaryClients: createCanaryClients(config.canary, tokenSource!, timeout) };
  };
  const deps = () => {
    tokenSource ??= googleTokenSource({ projectId: config.project });
    api ??= createClusterConnector({ config, tokenSource, ...timeout });
    return {
      api,
      config,
      logger,
      ...canaryClients(),
      ...defaultRuntime,
      ...(options.pollIntervalMs === undefined ? {} : { pollIntervalMs: options.pollIntervalMs }),
    };
  };

  return async (event, context) => {
    const ce = event as { id?: unknown; source?: unknown };
    const eventId = typeof ce.id === 'string' ? { eventId: ce.id.slice(0, 100) } : {};
    // Canary steps come back to this same endpoint from Cloud Tasks.
    const step = decodeStepEvent(event);
    if (step.kind !== 'not-a-step') {
      const result = await handleStepEvent(deps(), step, eventId);
      options.onResult?.(result);
      return result;
    }
    const found = extractPubsubMessage(event, context);
    let result: HandleResult;
    if (!found.ok) {
      result = {
        outcome: Outcome.IGNORED,
        ack: true,
        reason: 'MALFORMED',
        durations: { totalMs: 0 },
      };
      logger.info(`ignored: ${found.detail}`, {
        outcome: result.outcome,
        reason: result.reason,
        deployment: `${config.namespace}/${config.deployment}`,
      });
    } else {
      result = await handleMessage(deps(), found.message, {
        logFields: { envelope: found.shape, ...eventId },
      });
    }
    options.onResult?.(result);
    return result;
  };
}

/** The CloudEvent function `onNewImage`. */
export function createOnNewImage(
  options: OnNewImageOptions = {},
): (event: CloudEvent<unknown>) => Promise<void> {
  const handle = createPubsubHandler(options);
  return async (event) => {
    const result = await handle(event);
    if (!result.ack) throw new RetryableInvocationError(result);
  };
}

/** The same function with the legacy background signature `(data, context)`. */
export function createOnNewImageLegacy(
  options: OnNewImageOptions = {},
): (data: unknown, context: unknown) => Promise<void> {
  const handle = createPubsubHandler(options);
  return async (data, context) => {
    const result = await handle(data, context ?? {});
    if (!result.ack) throw new RetryableInvocationError(result);
  };
}
