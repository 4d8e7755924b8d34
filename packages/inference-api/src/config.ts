import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  boolean,
  ConfigError,
  integer,
  number,
  oneOf,
  optionalString,
  parseModelUri,
  Track,
  type Env,
  readEach,
} from '@maskops/shared';
import { parseTokenFile, TokenFileError } from './auth/token-file';
import { TokenSet } from './auth/token-set';
import {
  DEFAULT_MAX_INPUT_SIDE,
  DEFAULT_MAX_INSTANCES,
  DEFAULT_MAX_OVERLAY_SIDE,
} from './images/limits';
import type { ModelConfig } from './inference/model-config';
import { Backend, ModelAdapter } from './inference/types';
import { PACKAGE_ROOT } from './package-root';
import { containerCpus } from './runtime/cpu-quota';

export const LogLevel = {
  TRACE: 'trace',
  DEBUG: 'debug',
  INFO: 'info',
  WARN: 'warn',
  ERROR: 'error',
  FATAL: 'fatal',
  SILENT: 'silent',
} as const;
export type LogLevel = (typeof LogLevel)[keyof typeof LogLevel];

/** Every setting; the model half's (ModelConfig) reach it through modelConfigOf. */
export interface ServingConfig extends ModelConfig {
  port: number;
  host: string;
  /** A second listener serving only /metrics (then absent from `port`); unset: /metrics on `port`. */
  metricsPort: number | undefined;
  /** Bearer tokens every route but the probes, the upload page and /docs requires; unset: none. */
  apiTokens: TokenSet | undefined;
  /** API_TOKENS_FILE, re-read when it changes (auth/token-reloader.ts); unset: tokens fixed or none. */
  apiTokensFile: string | undefined;
  /** How often the token file's identity is checked (API_TOKENS_POLL_MS). */
  apiTokensPollMs: number;
  /** Largest accepted upload (raw body or the multipart `image` file); larger → 413. */
  maxImageBytes: number;
  /** Requests allowed to wait for the model; one more → 503 OVERLOADED (hard cap). */
  maxQueue: number;
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
  /** How long a request may wait in the queue before 503 QUEUE_TIMEOUT (its work never starts). */
  requestTimeoutMs: number;
  /** From SIGTERM to a forced exit(1). */
  shutdownGraceMs: number;
  /** After SIGTERM: /readyz is 503 but requests are still served, so load balancers notice first. */
  shutdownDelayMs: number;
  defaultMinScore: number;
  /** Inference worker threads, each with its own copy of the model. */
  inferenceWorkers: number;
  buildId: string | undefined;
  commitSha: string | undefined;
  /** The `track` label of the /predict metrics the deployer's canary analysis compares. */
  track: Track;
  logLevel: LogLevel;
}

export const DEFAULT_MODEL_PATH = join(PACKAGE_ROOT, 'models', 'shapes-tf-od-api', 'model.json');

const MiB = 1024 * 1024;

/** A setting whose value is derived at run time instead of fixed. */
const AUTO = 'auto';

/** `auto` (also when unset) or an integer >= min. */
function autoOrInteger(env: Env, name: string, min = 1): number | typeof AUTO {
  const v = env[name]?.trim() ?? '';
  if (v === '' || v === AUTO) return AUTO;
  if (!/^\d+$/.test(v))
    throw new ConfigError(name, `must be auto or an integer >= ${min}, got "${v}"`);
  return integer(env, name, 0, { min });
}

/*
 * Settings that others are checked against, or derived from, have a reader of their
 * own. A checked setting validates its own variable first, then calls its input's
 * reader: a bad input skips the check, and readEach lists that input's error once
 * (config-errors.ts).
 */

function port(env: Env): number {
  return integer(env, 'PORT', 8080, { min: 0, max: 65_535 });
}

function requestTimeoutMs(env: Env): number {
  return integer(env, 'REQUEST_TIMEOUT_MS', 30_000, { min: 1 });
}

function shutdownGraceMs(env: Env): number {
  return integer(env, 'SHUTDOWN_GRACE_MS', 25_000, { min: 0 });
}

function maxImageBytes(env: Env): number {
  return integer(env, 'MAX_IMAGE_BYTES', 20 * MiB, { min: 1 });
}

// One worker by default: each holds its own session, and two R50-FPN sessions peak at
// ~3.2 GB, over the pod's 2 GiB (docs/serving.md, "ONNX Runtime and workers").
function inferenceWorkers(env: Env): number {
  return integer(env, 'INFERENCE_WORKERS', 1, { min: 1, max: 64 });
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

/** METRICS_PORT: unset, or a port other than PORT (0, any free port, is for tests). */
function metricsPort(env: Env): number | undefined {
  if (optionalString(env, 'METRICS_PORT') === undefined) return undefined;
  const n = integer(env, 'METRICS_PORT', 0, { min: 0, max: 65_535 });
  if (n === 0) return n;
  const main = port(env);
  if (n === main) throw new ConfigError('METRICS_PORT', `must differ from PORT (${main})`);
  return n;
}

/**
 * SHUTDOWN_DELAY_MS, shorter than the grace. Default 0: only a load balancer needs the
 * delay, and in the cluster the manifest's preStop sleep gives it; locally Ctrl-C exits
 * as soon as in-flight requests are done.
 */
function shutdownDelayMs(env: Env): number {
  const delay = integer(env, 'SHUTDOWN_DELAY_MS', 0, { min: 0 });
  if (delay === 0) return delay;
  const grace = shutdownGraceMs(env);
  if (delay >= grace) {
    throw new ConfigError(
      'SHUTDOWN_DELAY_MS',
      `must be less than SHUTDOWN_GRACE_MS (${grace}), got ${delay}`,
    );
  }
  return delay;
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

/**
 * ORT_INTRA_OP_THREADS: by default the container's CPU quota shared among the
 * workers, so setting INFERENCE_WORKERS alone never oversubscribes the quota.
 */
function ortIntraOpThreads(env: Env): number {
  if (optionalString(env, 'ORT_INTRA_OP_THREADS') === undefined) {
    return Math.max(1, Math.floor(containerCpus() / inferenceWorkers(env)));
  }
  return integer(env, 'ORT_INTRA_OP_THREADS', 0, { min: 1, max: 256 });
}

/** API_TOKENS_FILE: the tokens of a readable file holding at least one, well-formed. */
function apiTokens(env: Env, name: string): TokenSet | undefined {
  // Set but blank is a mistake (an empty Secret key, a templating slip), not a way to
  // turn authentication off: that is leaving the variable unset.
  if (env[name] !== undefined && env[name].trim() === '') {
    throw new ConfigError(name, 'is set but blank; unset it to turn authentication off');
  }
  const path = optionalString(env, name);
  if (path === undefined) return undefined;
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(name, `cannot read ${path}: ${(err as NodeJS.ErrnoException).code}`);
  }
  try {
    return new TokenSet(parseTokenFile(text));
  } catch (err) {
    if (err instanceof TokenFileError) throw new ConfigError(name, `${path} ${err.message}`);
    throw err;
  }
}

/**
 * MODEL_PATH. With MODEL_REQUIRE_GENERATION (setup.sh sets it with --model-bucket) a
 * gs:// path must pin a manifest generation: a bare prefix would load whatever the
 * bucket holds when the pod starts, so two pods of one rollout could serve two models.
 */
function modelPath(env: Env): string {
  const path = optionalString(env, 'MODEL_PATH', DEFAULT_MODEL_PATH);
  if (
    boolean(env, 'MODEL_REQUIRE_GENERATION', false) &&
    path.startsWith('gs://') &&
    parseModelUri(path) === undefined
  ) {
    throw new ConfigError(
      'MODEL_PATH',
      `must pin a published model (gs://BUCKET/PREFIX/NAME/maskops-model.json#GENERATION) while MODEL_REQUIRE_GENERATION is true, got ${path}`,
    );
  }
  return path;
}

/**
 * Reads and validates every setting. Throws one ConfigError naming every bad
 * variable (a ConfigErrors when there are several), so a bad deploy is fixed in one go.
 */
export function readConfig(env: Env = process.env): ServingConfig {
  return readEach({
    port: () => port(env),
    host: () => optionalString(env, 'HOST', '0.0.0.0'),
    metricsPort: () => metricsPort(env),
    apiTokens: () => apiTokens(env, 'API_TOKENS_FILE'),
    apiTokensFile: () => optionalString(env, 'API_TOKENS_FILE'),
    apiTokensPollMs: () => integer(env, 'API_TOKENS_POLL_MS', 5_000, { min: 100, max: 300_000 }),
    maxImageBytes: () => maxImageBytes(env),
    maxImagePixels: () => integer(env, 'MAX_IMAGE_PIXELS', 40_000_000, { min: 1 }),
    maxInputSide: () => integer(env, 'MAX_INPUT_SIDE', DEFAULT_MAX_INPUT_SIDE, { min: 1 }),
    maxOverlaySide: () => integer(env, 'MAX_OVERLAY_SIDE', DEFAULT_MAX_OVERLAY_SIDE, { min: 1 }),
    maxInstances: () =>
      integer(env, 'MAX_INSTANCES', DEFAULT_MAX_INSTANCES, { min: 1, max: 10_000 }),
    maxQueue: () => integer(env, 'MAX_QUEUE', 16, { min: 0 }),
    requestTimeoutMs: () => requestTimeoutMs(env),
    maxQueueWaitMs: () => maxQueueWaitMs(env),
    queueTargetMs: () => queueTargetMs(env),
    // 0 holds every queue to the target at once: the policy before controlled delay.
    queueIntervalMs: () => autoOrInteger(env, 'QUEUE_INTERVAL_MS', 0),
    maxInflightBytes: () => maxInflightBytes(env),
    shutdownGraceMs: () => shutdownGraceMs(env),
    shutdownDelayMs: () => shutdownDelayMs(env),
    defaultMinScore: () => number(env, 'DEFAULT_MIN_SCORE', 0.5, { min: 0, max: 1 }),
    modelPath: () => modelPath(env),
    modelAdapter: () => oneOf(env, 'MODEL_ADAPTER', Object.values(ModelAdapter)),
    modelLabels: () => optionalString(env, 'MODEL_LABELS'),
    modelCacheDir: () => optionalString(env, 'MODEL_CACHE_DIR'),
    tfjsBackend: () => oneOf(env, 'TFJS_BACKEND', Object.values(Backend)),
    inferenceWorkers: () => inferenceWorkers(env),
    ortIntraOpThreads: () => ortIntraOpThreads(env),
    buildId: () => optionalString(env, 'MASKOPS_BUILD_ID'),
    commitSha: () => optionalString(env, 'MASKOPS_COMMIT_SHA'),
    track: () => oneOf(env, 'MASKOPS_TRACK', Object.values(Track), Track.STABLE),
    logLevel: () => oneOf(env, 'LOG_LEVEL', Object.values(LogLevel), LogLevel.INFO),
  });
}
