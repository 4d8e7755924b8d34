import { containerCpus } from '../src/runtime/cpu-quota';
import { join } from 'node:path';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { ConfigError } from '@maskops/shared';
import { DEFAULT_MODEL_PATH, readConfig } from '../src/config';
import { ConfigErrors } from '@maskops/shared';

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

  it('waits for no load balancer unless told to (the manifest sets its own delay)', () => {
    expect(readConfig({ SHUTDOWN_GRACE_MS: '1000' }).shutdownDelayMs).toBe(0);
    expect(readConfig({ SHUTDOWN_DELAY_MS: '400' }).shutdownDelayMs).toBe(400);
  });

  it.each([
    ['PORT', '70000'],
    ['PORT', 'http'],
    ['MAX_IMAGE_BYTES', '0'],
    ['MAX_IMAGE_PIXELS', '-5'],
    ['MAX_INPUT_SIDE', '0'],
    ['MAX_INPUT_SIDE', '1333.5'],
    ['MAX_OVERLAY_SIDE', '0'],
    ['MAX_QUEUE', '1.5'],
    ['MAX_INSTANCES', '0'],
    ['MAX_INSTANCES', '10001'],
    ['MAX_QUEUE_WAIT_MS', '0'],
    ['MAX_QUEUE_WAIT_MS', '1.5'],
    ['MAX_QUEUE_WAIT_MS', 'automatic'],
    ['MAX_QUEUE_WAIT_MS', '-1'],
    ['MAX_QUEUE_WAIT_MS', '30001'],
    ['QUEUE_TARGET_MS', '0'],
    ['QUEUE_TARGET_MS', 'soon'],
    ['QUEUE_TARGET_MS', '15001'],
    ['QUEUE_INTERVAL_MS', '-1'],
    ['QUEUE_INTERVAL_MS', '0.5'],
    ['MAX_INFLIGHT_BYTES', '0'],
    ['MAX_INFLIGHT_BYTES', '1000'],
    ['REQUEST_TIMEOUT_MS', 'soon'],
    ['DEFAULT_MIN_SCORE', '1.5'],
    ['MODEL_ADAPTER', 'detectron'],
    ['TFJS_BACKEND', 'webgl'],
    ['LOG_LEVEL', 'verbose'],
    ['METRICS_PORT', '8080'],
    ['METRICS_PORT', '70000'],
    ['METRICS_PORT', 'metrics'],
    ['API_TOKENS_FILE', '/no/such/tokens.txt'],
    ['API_TOKENS_FILE', ''],
    ['API_TOKENS_FILE', '  '],
    ['API_TOKENS_POLL_MS', '10'],
  ])('refuses %s=%s naming the variable', (name, value) => {
    let err: unknown;
    try {
      readConfig({ [name]: value });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).variable).toBe(name);
  });

  it('derives MAX_QUEUE_WAIT_MS from REQUEST_TIMEOUT_MS, and no upload budget smaller than one upload', () => {
    expect(readConfig({ MAX_QUEUE_WAIT_MS: 'auto' }).maxQueueWaitMs).toBe(15_000);
    expect(readConfig({ REQUEST_TIMEOUT_MS: '9001' }).maxQueueWaitMs).toBe(4500);
    expect(() => readConfig({ REQUEST_TIMEOUT_MS: '1000', MAX_QUEUE_WAIT_MS: '1001' })).toThrow(
      /MAX_QUEUE_WAIT_MS: must be at most REQUEST_TIMEOUT_MS \(1000\), got 1001/,
    );
    expect(() => readConfig({ MAX_QUEUE_WAIT_MS: '100', QUEUE_TARGET_MS: '101' })).toThrow(
      /QUEUE_TARGET_MS: must be at most MAX_QUEUE_WAIT_MS \(100\), got 101/,
    );
    expect(readConfig({ MAX_IMAGE_BYTES: String(300 * 1024 * 1024) }).maxInflightBytes).toBe(
      300 * 1024 * 1024,
    );
    expect(() => readConfig({ MAX_IMAGE_BYTES: '5000', MAX_INFLIGHT_BYTES: '4999' })).toThrow(
      /MAX_INFLIGHT_BYTES: must be at least MAX_IMAGE_BYTES \(5000\)/,
    );
  });

  it('MODEL_REQUIRE_GENERATION: a gs:// MODEL_PATH must pin a manifest generation', () => {
    const pinned = 'gs://models/m/shapes/maskops-model.json#1712345678901234';
    expect(readConfig({ MODEL_REQUIRE_GENERATION: 'true', MODEL_PATH: pinned }).modelPath).toBe(
      pinned,
    );
    // Models baked into the image are not what the setting guards.
    expect(
      readConfig({ MODEL_REQUIRE_GENERATION: 'true', MODEL_PATH: '/m/model.json' }),
    ).toMatchObject({
      modelPath: '/m/model.json',
    });
    expect(readConfig({ MODEL_PATH: 'gs://models/m/shapes' }).modelPath).toBe(
      'gs://models/m/shapes',
    );
    for (const path of [
      'gs://models/m/shapes',
      'gs://models/m/shapes/maskops-model.json',
      'gs://models/m/shapes/model.json#17',
    ]) {
      expect(() => readConfig({ MODEL_REQUIRE_GENERATION: 'true', MODEL_PATH: path })).toThrow(
        `MODEL_PATH: must pin a published model (gs://BUCKET/PREFIX/NAME/maskops-model.json#GENERATION) while MODEL_REQUIRE_GENERATION is true, got ${path}`,
      );
    }
    expect(() => readConfig({ MODEL_REQUIRE_GENERATION: 'maybe' })).toThrow(
      /MODEL_REQUIRE_GENERATION: must be true or false/,
    );
  });

  it('takes MASKOPS_TRACK stable or canary only', () => {
    expect(() => readConfig({ MASKOPS_TRACK: 'blue' })).toThrow(
      /MASKOPS_TRACK: must be one of stable, canary, got "blue"/,
    );
  });

  it('refuses a drain delay that is not shorter than the grace', () => {
    expect(() => readConfig({ SHUTDOWN_GRACE_MS: '1000', SHUTDOWN_DELAY_MS: '1000' })).toThrow(
      /SHUTDOWN_DELAY_MS: must be less than SHUTDOWN_GRACE_MS/,
    );
  });
});

/** What readConfig throws for `env`, and it must throw. */
function refusal(env: Record<string, string>): ConfigError {
  try {
    readConfig(env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error(`readConfig accepted ${JSON.stringify(env)}`);
}

/** The variables a refusal names, one per error. */
function named(err: ConfigError): string[] {
  return err instanceof ConfigErrors ? err.errors.map((e) => e.variable) : [err.variable];
}

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

describe('ONNX Runtime settings', () => {
  it('shares the container CPUs among the workers when ORT_INTRA_OP_THREADS is unset', () => {
    const cpus = containerCpus();
    expect(readConfig({})).toMatchObject({ inferenceWorkers: 1, ortIntraOpThreads: cpus });
    for (const workers of [2, 3, 64]) {
      expect(readConfig({ INFERENCE_WORKERS: String(workers) }).ortIntraOpThreads).toBe(
        Math.max(1, Math.floor(cpus / workers)),
      );
    }
    expect(readConfig({ INFERENCE_WORKERS: '64' }).ortIntraOpThreads).toBe(1);
    expect(
      readConfig({ INFERENCE_WORKERS: '2', ORT_INTRA_OP_THREADS: '4' }).ortIntraOpThreads,
    ).toBe(4);
  });

  it('reads ORT_INTRA_OP_THREADS and INFERENCE_WORKERS, refusing values below 1', () => {
    expect(readConfig({ ORT_INTRA_OP_THREADS: '3', INFERENCE_WORKERS: '2' })).toMatchObject({
      ortIntraOpThreads: 3,
      inferenceWorkers: 2,
    });
    expect(() => readConfig({ ORT_INTRA_OP_THREADS: '0' })).toThrow(/ORT_INTRA_OP_THREADS/);
    expect(() => readConfig({ INFERENCE_WORKERS: '0' })).toThrow(/INFERENCE_WORKERS/);
    expect(() => readConfig({ INFERENCE_WORKERS: 'two' })).toThrow(/INFERENCE_WORKERS/);
  });
});

describe('METRICS_PORT and API_TOKENS_FILE', () => {
  const dir = mkdtempSync(join(tmpdir(), 'maskops-tokens-'));
  const file = (name: string, text: string): string => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };
  const A = 'a'.repeat(16);
  const B = 'Zm9vYmFyYmF6cXV4-._~+/=';

  it('reads METRICS_PORT as a port other than PORT (0 is any free port)', () => {
    expect(readConfig({ METRICS_PORT: '9090' }).metricsPort).toBe(9090);
    expect(readConfig({ PORT: '0', METRICS_PORT: '0' }).metricsPort).toBe(0);
    expect(() => readConfig({ PORT: '9000', METRICS_PORT: '9000' })).toThrow(
      /METRICS_PORT: must differ from PORT \(9000\)/,
    );
  });

  it('reads one token per line, skipping comments, blank lines and CRLF endings', () => {
    const path = file('ok.txt', `# tokens for maskops\n\n${A}\r\n  # old: rotated out\n  ${B}  \n`);
    const tokens = readConfig({ API_TOKENS_FILE: path }).apiTokens;
    expect(tokens?.size).toBe(2);
    expect([A, B, 'a'.repeat(17)].map((t) => tokens?.has(t))).toEqual([true, true, false]);
  });

  it.each([
    ['empty.txt', '', /holds no token/],
    ['comments.txt', '# only a comment\n\n', /holds no token/],
    ['short.txt', `${A}\nshort-token\n`, /line 2 is not a token \(16 to 4096 visible ASCII/],
    ['space.txt', `two words in a token here\n`, /line 1 is not a token/],
    ['unicode.txt', `${A}\n\n${'é'.repeat(20)}\n`, /line 3 is not a token/],
  ])('refuses %s naming API_TOKENS_FILE and the line, never its text', (name, text, message) => {
    let err: unknown;
    try {
      readConfig({ API_TOKENS_FILE: file(name, text) });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).variable).toBe('API_TOKENS_FILE');
    expect((err as Error).message).toMatch(message);
    expect((err as Error).message).not.toContain('short-token');
  });

  it('refuses an unreadable path', () => {
    expect(() => readConfig({ API_TOKENS_FILE: dir })).toThrow(
      /API_TOKENS_FILE: cannot read .*EISDIR/,
    );
    expect(() => readConfig({ API_TOKENS_FILE: join(dir, 'absent') })).toThrow(
      /API_TOKENS_FILE: cannot read .*ENOENT/,
    );
  });
});
