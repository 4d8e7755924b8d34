import { ConfigError, integer, optionalString, readEach, type Env } from '@maskops/shared';
import { maxImageBytes } from './images';
import { AUTO, autoOrInteger, MiB } from './readers';

/** Admission: how much work may wait for the model, and for how long. */
export interface QueueConfig {
  /** Requests allowed to wait for the model; one more → 503 OVERLOADED (hard cap). */
  maxQueue: number;
  /** How long a request may wait in the queue before 503 QUEUE_TIMEOUT (its work never starts). */
  requestTimeoutMs: number;
  /**
   * Longest expected wait ever admitted, ms: the wait allowed while the queue keeps
   * emptying (default half of REQUEST_TIMEOUT_MS). Longer → 503 OVERLOADED.
   */
  maxQueueWaitMs: number;
  /** Expected wait admitted once the queue stands: `auto` = one median service time ÷ workers. */
  queueTargetMs: number | typeof AUTO;
  /** How long the queue must stand before the target applies (and stay empty before it lifts). */
  queueIntervalMs: number | typeof AUTO;
  /** Upload bytes held at once by requests in progress; one more that would pass it → 503 OVERLOADED. */
  maxInflightBytes: number;
}

function requestTimeoutMs(env: Env): number {
  return integer(env, 'REQUEST_TIMEOUT_MS', 30_000, { min: 1 });
}

/**
 * MAX_QUEUE_WAIT_MS, QUEUE_TARGET_MS, QUEUE_INTERVAL_MS: admission by controlled
 * delay (serving/controlled-delay.ts). The long wait defaults to half the request
 * timeout: an estimate off by 2× still leaves an admitted request time to be served
 * before REQUEST_TIMEOUT_MS drops it, and a longer one could only end in that drop.
 */
function maxQueueWaitMs(env: Env): number {
  const wait = autoOrInteger(env, 'MAX_QUEUE_WAIT_MS');
  const timeout = requestTimeoutMs(env);
  if (wait === AUTO) return Math.max(1, Math.floor(timeout / 2));
  if (wait > timeout) {
    throw new ConfigError(
      'MAX_QUEUE_WAIT_MS',
      `must be at most REQUEST_TIMEOUT_MS (${timeout}), got ${wait}`,
    );
  }
  return wait;
}

function queueTargetMs(env: Env): number | typeof AUTO {
  const target = autoOrInteger(env, 'QUEUE_TARGET_MS');
  if (target === AUTO) return AUTO;
  // A wait that is set is compared as it is, even when REQUEST_TIMEOUT_MS is bad.
  const set = autoOrInteger(env, 'MAX_QUEUE_WAIT_MS');
  const wait = set === AUTO ? maxQueueWaitMs(env) : set;
  if (target > wait) {
    throw new ConfigError(
      'QUEUE_TARGET_MS',
      `must be at most MAX_QUEUE_WAIT_MS (${wait}), got ${target}`,
    );
  }
  return target;
}

/**
 * MAX_INFLIGHT_BYTES: at least one upload (smaller would refuse every large image
 * forever); by default 256 MiB, or one upload if that is larger.
 */
function maxInflightBytes(env: Env): number {
  if (optionalString(env, 'MAX_INFLIGHT_BYTES') === undefined) {
    return Math.max(256 * MiB, maxImageBytes(env));
  }
  const n = integer(env, 'MAX_INFLIGHT_BYTES', 0, { min: 1 });
  const upload = maxImageBytes(env);
  if (n < upload) {
    throw new ConfigError(
      'MAX_INFLIGHT_BYTES',
      `must be at least MAX_IMAGE_BYTES (${upload}), got ${n}`,
    );
  }
  return n;
}

/** MAX_QUEUE, REQUEST_TIMEOUT_MS, MAX_QUEUE_WAIT_MS, QUEUE_TARGET_MS, QUEUE_INTERVAL_MS, MAX_INFLIGHT_BYTES. */
export function readQueueConfig(env: Env): QueueConfig {
  return readEach({
    maxQueue: () => integer(env, 'MAX_QUEUE', 16, { min: 0 }),
    requestTimeoutMs: () => requestTimeoutMs(env),
    maxQueueWaitMs: () => maxQueueWaitMs(env),
    queueTargetMs: () => queueTargetMs(env),
    // 0 holds every queue to the target at once: the policy before controlled delay.
    queueIntervalMs: () => autoOrInteger(env, 'QUEUE_INTERVAL_MS', 0),
    maxInflightBytes: () => maxInflightBytes(env),
  });
}
