import Fastify, { LogController, type FastifyInstance } from 'fastify';
import type { ServingConfig } from './config';
import type { InferenceEngine } from './inference/types';
import {
  clientErrorHandler,
  frameworkErrors,
  registerErrorHandler,
  sendError,
} from './plugins/error-handler';
import { registerImageBody } from './plugins/image-body';
import { InferenceQueue } from './plugins/inference-queue';
import { Lifecycle, Phase } from './plugins/lifecycle';
import {
  createMetrics,
  observeRequest,
  recordEngine,
  registerRequestMetrics,
} from './plugins/metrics';
import {
  genReqId,
  loggerOptions,
  logRequest,
  registerRequestLogging,
  type LogDestination,
} from './plugins/request-logging';
import { registerSwagger } from './plugins/swagger';
import { UploadBudget } from './plugins/upload-budget';
import { docsRoutes } from './routes/docs/docs-route';
import { healthRoutes } from './routes/health/health-routes';
import { infoRoute } from './routes/info/info-route';
import { metricsRoute } from './routes/metrics/metrics-route';
import { predictRoutes } from './routes/predict/predict-route';
import { errorSchema } from './routes/schemas';
import { uiRoutes } from './routes/ui/ui-route';
import type { ServingContext } from './serving-context';
import { ErrorCode } from './errors';

export interface BuildAppOptions {
  config: ServingConfig;
  /** A loaded engine, or the promise of one: the app answers /healthz while it loads. */
  engine: InferenceEngine | Promise<InferenceEngine>;
  /** Where log lines go (default stdout), or false for none. */
  logger?: LogDestination | false;
  /** Node's process metrics in /metrics (default true). */
  defaultMetrics?: boolean;
}

declare module 'fastify' {
  interface FastifyInstance {
    serving: ServingContext;
  }
}

/** Builds the whole HTTP app without listening. main.ts listens and owns signals. */
export async function buildApp(options: BuildAppOptions): Promise<FastifyInstance> {
  const { config } = options;
  const app = Fastify({
    logger: options.logger === false ? false : loggerOptions(config.logLevel, options.logger),
    // One line per request, written by registerRequestLogging, instead of Fastify's two.
    logController: new LogController({ disableRequestLogging: true }),
    genReqId,
    // Fastify's own 503-on-close body is not our error shape; the hook below answers instead.
    return503OnClosing: false,
    // requestTimeout stays Node's default (300 s): a 20 MiB upload on a slow link is
    // legitimate, and a slow upload holds no queue slot (the body is read first).
    ajv: { customOptions: { coerceTypes: true, removeAdditional: true, allErrors: false } },
    // Refusals made before a route runs answer in the documented error shape too.
    clientErrorHandler,
    frameworkErrors: frameworkErrors(config.maxImageBytes),
  });

  const metrics = createMetrics({
    defaultMetrics: options.defaultMetrics,
    track: config.track,
    build: config.buildId,
  });
  const lifecycle = new Lifecycle(options.engine);
  const queue = new InferenceQueue({
    maxQueue: config.maxQueue,
    maxWaitMs: config.maxQueueWaitMs,
    // The engine runs one prediction at a time (one worker thread).
    workers: 1,
    timeoutMs: config.requestTimeoutMs,
    onChange: (waiting, running) => {
      metrics.queueDepth.set(waiting);
      metrics.inFlight.set(running);
    },
  });
  const uploads = new UploadBudget(config.maxInflightBytes, (used) =>
    metrics.uploadBytes.set(used),
  );
  void lifecycle.settled.then(() => {
    const engine = lifecycle.engineIfLoaded;
    if (engine) recordEngine(metrics, engine);
    else app.log.error({ err: lifecycle.loadError }, 'the model failed to load');
  });
  const ctx: ServingContext = { config, lifecycle, queue, uploads, metrics };
  app.decorate('serving', ctx);

  app.addSchema(errorSchema);
  registerErrorHandler(app, {
    maxImageBytes: config.maxImageBytes,
    onError: (request, c) => {
      if (request.routeOptions.url !== '/predict') return;
      metrics.rejected.inc({ reason: c.reason });
      if (request.predictStats) request.predictStats.errorCode = c.code;
      else request.predictStats = { errorCode: c.code };
    },
    onClientGone: (request, reply) => {
      logRequest(request, reply);
      observeRequest(metrics, request, reply);
    },
  });
  registerRequestLogging(app);
  registerRequestMetrics(app, metrics);
  app.addHook('onRequest', async (_request, reply) => {
    if (lifecycle.phase === Phase.CLOSING) {
      reply.header('connection', 'close');
      return sendError(reply, {
        code: ErrorCode.NOT_READY,
        status: 503,
        message: 'the server is shutting down',
        retryAfterSeconds: 1,
        reason: 'closing',
      });
    }
    return undefined;
  });
  // While draining, every answer closes its connection: kept-alive clients reconnect
  // (to another pod) and server.close() is not held open by idle sockets.
  app.addHook('onSend', async (_request, reply) => {
    if (lifecycle.phase === Phase.DRAINING || lifecycle.phase === Phase.CLOSING) {
      reply.header('connection', 'close');
    }
  });
  app.addHook('preClose', (done) => {
    lifecycle.close();
    done();
  });

  await registerImageBody(app, { maxImageBytes: config.maxImageBytes });
  await registerSwagger(app);
  await app.register(predictRoutes, ctx);
  await app.register(healthRoutes, ctx);
  await app.register(infoRoute, ctx);
  await app.register(metricsRoute, ctx);
  await app.register(docsRoutes);
  await app.register(uiRoutes);
  return app;
}
