import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  ConfigError,
  integer,
  number,
  oneOf,
  optionalString,
  Track,
  type Env,
} from '@maskops/shared';
import { parseTokenFile, TokenFileError } from './auth/token-file';
import { TokenSet } from './auth/token-set';
import { DEFAULT_MAX_INPUT_SIDE, DEFAULT_MAX_OVERLAY_SIDE } from './images/limits';
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

export interface ServingConfig {
  port: number;
  host: string;
  /** A second listener serving only /metrics (then absent from `port`); unset: /metrics on `port`. */
  metricsPort: number | undefined;
  /** Bearer tokens every route but the probes, the upload page and /docs requires; unset: none. */
  apiTokens: TokenSet | undefined;
  /** Largest accepted upload (raw body or the multipart `image` file); larger → 413. */
  maxImageBytes: number;
  /** Largest width×height, read from the header before any pixel is decoded; larger → 422. */
  maxImagePixels: number;
  /**
   * Longest side a tf-od-api model is fed (maskops.json `maxInputSide` overrides it per
   * model; Matterport uses IMAGE_MAX_DIM): larger images are scaled down on decode.
   */
  maxInputSide: number;
  /** Longest side of a `format=png` overlay; larger ones are drawn scaled (X-Overlay-Scale). */
  maxOverlaySide: number;
  /** Requests allowed to wait for the model; one more → 503 OVERLOADED (hard cap). */
  maxQueue: number;
  /** Longest expected wait admitted: `auto` = one running-median service time. Longer → 503 OVERLOADED. */
  maxQueueWaitMs: number | typeof AUTO;
  /** Upload bytes held at once by requests in progress; one more that would pass it → 503 OVERLOADED. */
  maxInflightBytes: number;
  /** How long a request may wait in the queue before 503 QUEUE_TIMEOUT (its work never starts). */
  requestTimeoutMs: number;
  /** From SIGTERM to a forced exit(1). */
  shutdownGraceMs: number;
  /** After SIGTERM: /readyz is 503 but requests are still served, so load balancers notice first. */
  shutdownDelayMs: number;
  defaultMinScore: number;
  modelPath: string;
  modelAdapter: ModelAdapter | undefined;
  modelLabels: string | undefined;
  modelCacheDir: string | undefined;
  tfjsBackend: Backend | undefined;
  /** ONNX Runtime threads inside one op, per worker (default: the container's CPU quota). */
  ortIntraOpThreads: number;
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

/** `auto` (also when unset) or an integer >= 1. */
function autoOrInteger(env: Env, name: string): number | typeof AUTO {
  const v = env[name]?.trim() ?? '';
  if (v === '' || v === AUTO) return AUTO;
  if (!/^\d+$/.test(v)) throw new ConfigError(name, `must be auto or an integer >= 1, got "${v}"`);
  return integer(env, name, 0, { min: 1 });
}

/** API_TOKENS_FILE: the tokens of a readable file holding at least one, well-formed. */
function apiTokens(env: Env, name: string): TokenSet | undefined {
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

/** METRICS_PORT: unset, or a port other than PORT (0, any free port, is for tests). */
function metricsPort(env: Env, port: number): number | undefined {
  if (optionalString(env, 'METRICS_PORT') === undefined) return undefined;
  const n = integer(env, 'METRICS_PORT', 0, { min: 0, max: 65_535 });
  if (n !== 0 && n === port)
    throw new ConfigError('METRICS_PORT', `must differ from PORT (${port})`);
  return n;
}

/** Reads and validates every setting; throws ConfigError naming the first bad variable. */
export function readConfig(env: Env = process.env): ServingConfig {
  const shutdownGraceMs = integer(env, 'SHUTDOWN_GRACE_MS', 25_000, { min: 0 });
  // Default: 5 s, or a fifth of the grace when the grace is short, so draining still has time.
  const shutdownDelayMs = integer(
    env,
    'SHUTDOWN_DELAY_MS',
    Math.min(5_000, Math.floor(shutdownGraceMs / 5)),
    { min: 0 },
  );
  if (shutdownDelayMs > 0 && shutdownDelayMs >= shutdownGraceMs) {
    throw new ConfigError(
      'SHUTDOWN_DELAY_MS',
      `must be less than SHUTDOWN_GRACE_MS (${shutdownGraceMs}), got ${shutdownDelayMs}`,
    );
  }
  // One worker by default: each holds its own session, and two R50-FPN sessions peak at
  // ~3.2 GB, over the pod's 2 GiB (docs/serving.md, "ONNX Runtime and workers"). The
  // container's CPU quota is shared among the workers' intra-op threads, so setting
  // INFERENCE_WORKERS alone never oversubscribes the quota.
  const inferenceWorkers = integer(env, 'INFERENCE_WORKERS', 1, { min: 1, max: 64 });
  const ortIntraOpThreads = integer(
    env,
    'ORT_INTRA_OP_THREADS',
    Math.max(1, Math.floor(containerCpus() / inferenceWorkers)),
    { min: 1, max: 256 },
  );
  const maxImageBytes = integer(env, 'MAX_IMAGE_BYTES', 20 * MiB, { min: 1 });
  const maxInflightBytes = integer(env, 'MAX_INFLIGHT_BYTES', Math.max(256 * MiB, maxImageBytes), {
    min: 1,
  });
  // Smaller than one upload would refuse every large image forever.
  if (maxInflightBytes < maxImageBytes) {
    throw new ConfigError(
      'MAX_INFLIGHT_BYTES',
      `must be at least MAX_IMAGE_BYTES (${maxImageBytes}), got ${maxInflightBytes}`,
    );
  }
  const port = integer(env, 'PORT', 8080, { min: 0, max: 65_535 });
  return {
    port,
    host: optionalString(env, 'HOST', '0.0.0.0'),
    metricsPort: metricsPort(env, port),
    apiTokens: apiTokens(env, 'API_TOKENS_FILE'),
    maxImageBytes,
    maxImagePixels: integer(env, 'MAX_IMAGE_PIXELS', 40_000_000, { min: 1 }),
    maxInputSide: integer(env, 'MAX_INPUT_SIDE', DEFAULT_MAX_INPUT_SIDE, { min: 1 }),
    maxOverlaySide: integer(env, 'MAX_OVERLAY_SIDE', DEFAULT_MAX_OVERLAY_SIDE, { min: 1 }),
    maxQueue: integer(env, 'MAX_QUEUE', 16, { min: 0 }),
    maxQueueWaitMs: autoOrInteger(env, 'MAX_QUEUE_WAIT_MS'),
    maxInflightBytes,
    requestTimeoutMs: integer(env, 'REQUEST_TIMEOUT_MS', 30_000, { min: 1 }),
    shutdownGraceMs,
    shutdownDelayMs,
    defaultMinScore: number(env, 'DEFAULT_MIN_SCORE', 0.5, { min: 0, max: 1 }),
    modelPath: optionalString(env, 'MODEL_PATH', DEFAULT_MODEL_PATH),
    modelAdapter: oneOf(env, 'MODEL_ADAPTER', Object.values(ModelAdapter)),
    modelLabels: optionalString(env, 'MODEL_LABELS'),
    modelCacheDir: optionalString(env, 'MODEL_CACHE_DIR'),
    tfjsBackend: oneOf(env, 'TFJS_BACKEND', Object.values(Backend)),
    ortIntraOpThreads,
    inferenceWorkers,
    buildId: optionalString(env, 'MASKOPS_BUILD_ID'),
    commitSha: optionalString(env, 'MASKOPS_COMMIT_SHA'),
    track: oneOf(env, 'MASKOPS_TRACK', Object.values(Track), Track.STABLE),
    logLevel: oneOf(env, 'LOG_LEVEL', Object.values(LogLevel), LogLevel.INFO),
  };
}
