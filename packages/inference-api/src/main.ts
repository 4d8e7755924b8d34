import type { AddressInfo } from 'node:net';
import { loadConfigOrExit } from '@maskops/shared';
import { buildApp } from './app';
import { ErrorCode, InferenceApiError } from './errors';
import { readConfig } from './config';
import { createEnginePool } from './inference/engine-pool';
import { modelConfigOf } from './inference/model-config';
import type { InferenceEngine } from './inference/types';
import { startMetricsServer, type MetricsServer } from './metrics-server';
import { installGracefulShutdown } from './shutdown';

/**
 * Reads the config once, starts loading the model, and listens right away:
 * /healthz answers during a long model load (gs:// download, warm-up) while
 * /readyz stays 503 until the model is warm. A model that cannot load ends the
 * process with one CRITICAL line (exit 1; 78 for a bad labels file) so the
 * failure is visible and the pod restarts.
 */
async function main(): Promise<void> {
  const config = loadConfigOrExit(() => readConfig(process.env));
  // The app is built first so the engine can log with its (pino) logger; it takes
  // the engine as a promise anyway, answering /healthz while the model loads.
  let startEngine!: (engine: Promise<InferenceEngine>) => void;
  const app = await buildApp({
    config,
    engine: new Promise<InferenceEngine>((resolve) => (startEngine = resolve)),
  });
  const engine = createEnginePool(
    {
      model: modelConfigOf(config),
      logger: app.log.child({ component: 'engine' }),
      // The worker died after start-up: stop being ready, drain, exit 1 (the pod restarts).
      onFatal: (err) => {
        app.log.fatal({ err }, 'the inference engine died');
        app.lifecycle.fail(err);
        void shutdown('engine-died', 1);
      },
    },
    config.inferenceWorkers,
  );
  // Handled below; keeps an early rejection from counting as unhandled.
  engine.catch(() => undefined);
  startEngine(engine);
  let loaded: InferenceEngine | undefined;
  let metricsServer: MetricsServer | undefined;

  const shutdown = installGracefulShutdown({
    app,
    engine: () => loaded,
    metricsServer: () => metricsServer,
    delayMs: config.shutdownDelayMs,
    graceMs: config.shutdownGraceMs,
  });

  const address = await app.listen({ port: config.port, host: config.host });
  const port = (app.server.address() as AddressInfo).port;
  const auth = config.apiTokens ? { auth: 'on', tokens: config.apiTokens.size } : { auth: 'off' };
  app.log.info(
    { address, port, modelPath: config.modelPath, ...auth },
    `listening on ${address}, authentication ${auth.auth}` +
      (config.apiTokens ? ` (${config.apiTokens.size} tokens)` : ''),
  );
  // METRICS_PORT: /metrics on its own port only (buildApp left it off the main one).
  if (config.metricsPort !== undefined) {
    metricsServer = await startMetricsServer({
      registry: app.metrics.registry,
      port: config.metricsPort,
      host: config.host,
      log: app.log.child({ component: 'metrics-server' }),
    });
  }

  try {
    loaded = await engine;
  } catch (err) {
    // One CRITICAL line: what is wrong and where, no stack (the cause is the model, not the code).
    const known = err instanceof InferenceApiError;
    app.log.fatal(
      {
        code: known ? err.code : 'INTERNAL',
        modelPath: config.modelPath,
        ...(known ? err.details : { err }),
      },
      `the model failed to load: ${known ? err.message : String(err)}`,
    );
    await app.close();
    process.exit(loadExitCode(err));
  }
  const { info } = loaded;
  app.log.info(
    {
      model: info.name,
      adapter: info.adapter,
      backend: info.backend,
      loadMs: loaded.loadMs,
      warmupMs: loaded.warmupMs,
    },
    'model loaded and warmed: ready',
  );
}

/**
 * 78 (EX_CONFIG) for a labels file that is there but wrong, as for any bad
 * setting; 1 for a model that cannot be loaded or served (missing, unreadable,
 * another contract, non-finite warm-up outputs).
 */
function loadExitCode(err: unknown): number {
  return err instanceof InferenceApiError && err.code === ErrorCode.LABELS_INVALID ? 78 : 1;
}

main().catch((err: unknown) => {
  process.stderr.write(
    JSON.stringify({
      severity: 'CRITICAL',
      message: `inference-api failed to start: ${String(err)}`,
    }) + '\n',
  );
  process.exit(1);
});
