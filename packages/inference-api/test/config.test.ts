import { join } from 'node:path';
import { ConfigErrors } from '@maskops/shared';
import { DEFAULT_MODEL_PATH, readConfig } from '../src/config';
import { containerCpus } from '../src/runtime/cpu-quota';
import { named, refusal } from './helpers/config-refusal';

/*
 * readConfig as a whole: its defaults, every variable read, and every bad variable
 * named in one error. Each concern's own checks are in test/config/, as in src/config/.
 */

describe('readConfig', () => {
  it('has the documented defaults', () => {
    expect(readConfig({})).toEqual({
      port: 8080,
      host: '0.0.0.0',
      metricsPort: undefined,
      apiTokens: undefined,
      apiTokensFile: undefined,
      apiTokensPollMs: 5000,
      maxImageBytes: 20 * 1024 * 1024,
      maxImagePixels: 40_000_000,
      maxInputSide: 1333,
      maxOverlaySide: 4096,
      maxInstances: 100,
      maxQueue: 16,
      maxQueueWaitMs: 15_000,
      queueTargetMs: 'auto',
      queueIntervalMs: 'auto',
      maxInflightBytes: 256 * 1024 * 1024,
      requestTimeoutMs: 30_000,
      shutdownGraceMs: 25_000,
      shutdownDelayMs: 0,
      defaultMinScore: 0.5,
      modelPath: DEFAULT_MODEL_PATH,
      modelAdapter: undefined,
      modelLabels: undefined,
      modelCacheDir: undefined,
      tfjsBackend: undefined,
      ortIntraOpThreads: containerCpus(),
      inferenceWorkers: 1,
      buildId: undefined,
      commitSha: undefined,
      track: 'stable',
      logLevel: 'info',
    });
    expect(DEFAULT_MODEL_PATH).toBe(
      join(__dirname, '..', 'models', 'shapes-tf-od-api', 'model.json'),
    );
  });

  it('reads every variable', () => {
    const c = readConfig({
      PORT: '0',
      HOST: '127.0.0.1',
      MAX_IMAGE_BYTES: '1000',
      MAX_IMAGE_PIXELS: '5000',
      MAX_INPUT_SIDE: '640',
      MAX_OVERLAY_SIDE: '2048',
      MAX_QUEUE: '0',
      MAX_QUEUE_WAIT_MS: '250',
      QUEUE_TARGET_MS: '40',
      QUEUE_INTERVAL_MS: '0',
      MAX_INFLIGHT_BYTES: '4000',
      REQUEST_TIMEOUT_MS: '1000',
      SHUTDOWN_GRACE_MS: '3000',
      SHUTDOWN_DELAY_MS: '0',
      DEFAULT_MIN_SCORE: '0.25',
      MODEL_PATH: 'gs://b/m',
      MODEL_ADAPTER: 'matterport',
      MODEL_LABELS: '/l.txt',
      MODEL_CACHE_DIR: '/tmp/c',
      TFJS_BACKEND: 'wasm',
      MASKOPS_BUILD_ID: 'b-1',
      MASKOPS_COMMIT_SHA: 'abc123',
      MASKOPS_TRACK: 'canary',
      LOG_LEVEL: 'debug',
    });
    expect(c).toMatchObject({
      port: 0,
      host: '127.0.0.1',
      maxImageBytes: 1000,
      maxImagePixels: 5000,
      maxInputSide: 640,
      maxOverlaySide: 2048,
      maxQueue: 0,
      maxQueueWaitMs: 250,
      queueTargetMs: 40,
      queueIntervalMs: 0,
      maxInflightBytes: 4000,
      requestTimeoutMs: 1000,
      shutdownGraceMs: 3000,
      shutdownDelayMs: 0,
      defaultMinScore: 0.25,
      modelPath: 'gs://b/m',
      modelAdapter: 'matterport',
      modelLabels: '/l.txt',
      modelCacheDir: '/tmp/c',
      tfjsBackend: 'wasm',
      buildId: 'b-1',
      commitSha: 'abc123',
      track: 'canary',
      logLevel: 'debug',
    });
  });
});

describe('every bad variable at once', () => {
  it('names each bad variable with what is wrong, in one error', () => {
    const err = refusal({
      PORT: 'http',
      MAX_QUEUE: 'lots',
      SHUTDOWN_GRACE_MS: '1000',
      SHUTDOWN_DELAY_MS: '1000',
      MODEL_REQUIRE_GENERATION: 'true',
      MODEL_PATH: 'gs://models/m/shapes',
      LOG_LEVEL: 'verbose',
    });
    expect(err).toBeInstanceOf(ConfigErrors);
    expect(err.code).toBe('CONFIG_INVALID');
    expect(named(err)).toEqual([
      'PORT',
      'MAX_QUEUE',
      'SHUTDOWN_DELAY_MS',
      'MODEL_PATH',
      'LOG_LEVEL',
    ]);
    expect(err.variable).toBe('PORT, MAX_QUEUE, SHUTDOWN_DELAY_MS, MODEL_PATH, LOG_LEVEL');
    expect(err.message).toMatch(/^5 settings are invalid: PORT: must be an integer, got "http"; /);
    expect(err.message).toContain('; MAX_QUEUE: must be an integer, got "lots"; ');
    expect(err.message).toContain(
      '; SHUTDOWN_DELAY_MS: must be less than SHUTDOWN_GRACE_MS (1000), got 1000; ',
    );
    expect(err.message).toContain('; MODEL_PATH: must pin a published model');
    expect(err.message).toMatch(/; LOG_LEVEL: must be one of .*, got "verbose"$/);
  });

  it('one bad variable stays a plain ConfigError, as before', () => {
    const err = refusal({ MAX_QUEUE: 'lots' });
    expect(err).not.toBeInstanceOf(ConfigErrors);
    expect(err.variable).toBe('MAX_QUEUE');
    expect(err.message).toBe('MAX_QUEUE: must be an integer, got "lots"');
  });

  it.each([
    // The input is bad: the check against it is skipped and the input named once.
    [{ PORT: 'http', METRICS_PORT: '9000' }, ['PORT']],
    [{ SHUTDOWN_GRACE_MS: '-1', SHUTDOWN_DELAY_MS: '400' }, ['SHUTDOWN_GRACE_MS']],
    [{ MAX_IMAGE_BYTES: '0', MAX_INFLIGHT_BYTES: '10' }, ['MAX_IMAGE_BYTES']],
    [{ MAX_IMAGE_BYTES: 'big' }, ['MAX_IMAGE_BYTES']],
    [{ INFERENCE_WORKERS: 'two' }, ['INFERENCE_WORKERS']],
    [{ REQUEST_TIMEOUT_MS: 'soon', QUEUE_TARGET_MS: '50' }, ['REQUEST_TIMEOUT_MS']],
    [{ REQUEST_TIMEOUT_MS: 'soon', MAX_QUEUE_WAIT_MS: '100' }, ['REQUEST_TIMEOUT_MS']],
    // A dependent variable bad on its own is named with its input.
    [{ PORT: 'http', METRICS_PORT: 'metrics' }, ['PORT', 'METRICS_PORT']],
    [
      { SHUTDOWN_GRACE_MS: 'x', SHUTDOWN_DELAY_MS: '-5' },
      ['SHUTDOWN_GRACE_MS', 'SHUTDOWN_DELAY_MS'],
    ],
    [{ MAX_IMAGE_BYTES: '0', MAX_INFLIGHT_BYTES: '0' }, ['MAX_IMAGE_BYTES', 'MAX_INFLIGHT_BYTES']],
    [
      { INFERENCE_WORKERS: '0', ORT_INTRA_OP_THREADS: '0' },
      ['INFERENCE_WORKERS', 'ORT_INTRA_OP_THREADS'],
    ],
    // A set wait is still compared with the target when the timeout is bad.
    [
      { REQUEST_TIMEOUT_MS: 'soon', MAX_QUEUE_WAIT_MS: '100', QUEUE_TARGET_MS: '101' },
      ['REQUEST_TIMEOUT_MS', 'QUEUE_TARGET_MS'],
    ],
    // Both inputs good, both checks fail.
    [
      { REQUEST_TIMEOUT_MS: '1000', MAX_QUEUE_WAIT_MS: '1001', QUEUE_TARGET_MS: '1002' },
      ['MAX_QUEUE_WAIT_MS', 'QUEUE_TARGET_MS'],
    ],
  ])('checks a setting against another only when that one is good: %j', (env, variables) => {
    expect(named(refusal(env))).toEqual(variables);
  });
});
