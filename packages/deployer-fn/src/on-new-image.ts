import type { Env, Logger } from '@maskops/shared';
import { extractPubsubMessage, loadConfigOrExit } from '@maskops/shared';
import { handleStepEvent } from './canary/step-handler';
import { decodeStepEvent } from './canary/step-event';
import type { DeployerConfig } from './config';
import { readConfig } from './config';
import type { HandleResult } from './decision';
import { decisionLog } from './decision';
import type { DepsOptions } from './deps';
import { createDeps } from './deps';
import { handleMessage, handleStorageEvent } from './handler';
import { decodeStorageCloudEvent } from './model/storage-event';
import { Outcome } from './outcome';

export type OnNewImageOptions = Partial<Omit<DepsOptions, 'config' | 'logger'>> & {
  /** Defaults to reading `env` (process.env), exiting with one line if invalid. */
  readonly config?: DeployerConfig;
  readonly env?: Env;
  readonly logger: Logger;
  /** Called with every result (tests, bench). */
  readonly onResult?: (result: HandleResult) => void;
};

export type PubsubEventHandler = (event: unknown, context?: unknown) => Promise<HandleResult>;

/**
 * Builds the event handler: config read once (now), and the instance's clients
 * (cluster, Cloud Tasks, Prometheus) built once, here, for every later message.
 */
export function createPubsubHandler(options: OnNewImageOptions): PubsubEventHandler {
  const config = options.config ?? loadConfigOrExit(() => readConfig(options.env ?? process.env));
  const deps = createDeps({ ...options, config });

  return async (event, context) => {
    const ce = event as { id?: unknown };
    const eventId = typeof ce.id === 'string' ? { eventId: ce.id.slice(0, 100) } : {};
    // Canary steps come back to this same endpoint from Cloud Tasks.
    const step = decodeStepEvent(event);
    let result: HandleResult;
    // Eventarc's Cloud Storage events (the model trigger) come here as CloudEvents too.
    const storage = decodeStorageCloudEvent(event, config.modelBucket);
    if (step.kind !== 'not-a-step') {
      result = await handleStepEvent(deps, step, eventId);
    } else if (storage.kind !== 'not-storage') {
      result = await handleStorageEvent(deps, storage, { logFields: eventId });
    } else {
      const found = extractPubsubMessage(event, context);
      result = found.ok
        ? await handleMessage(deps, found.message, {
            logFields: { envelope: found.shape, ...eventId },
          })
        : decisionLog(deps, deps.now(), {
            deployment: `${config.namespace}/${config.deployment}`,
          })({ outcome: Outcome.IGNORED, reason: 'MALFORMED', text: `ignored: ${found.detail}` });
    }
    options.onResult?.(result);
    return result;
  };
}
