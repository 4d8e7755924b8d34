import Fastify, { LogController, type FastifyInstance } from 'fastify';
import type { ServingConfig } from './config';
import type { InferenceEngine } from './inference/types';
import { loggerOptions, type LogDestination } from './logging/logger';
import { authPlugin } from './plugins/auth';
import { clientErrorHandler, frameworkErrors } from './http/refusals-before-routing';
import { errorHandlerPlugin } from './plugins/error-handler';
import { imageBodyPlugin } from './plugins/image-body';
import { metricsPlugin } from './plugins/metrics';
import { genReqId, requestLoggingPlugin } from './plugins/request-logging';
import { routeMethodsPlugin } from './plugins/route-methods';
import { servingPlugin } from './plugins/serving';
import { swaggerPlugin } from './plugins/swagger';
import { docsRoutes } from './routes/docs/docs-route';
import { healthRoutes } from './routes/health/health-routes';
import { infoRoute } from './routes/info/info-route';
import { metricsRoute } from './routes/metrics/metrics-route';
import { predictRoutes } from './routes/predict/predict-route';
import { errorSchema } from './routes/schemas';
import { samplesRoutes } from './routes/samples/samples-route';
import { uiRoutes } from './routes/ui/ui-route';

export interface BuildAppOptions {
  config: ServingConfig;
  /** A loaded engine, or the promise of one: the app answers /healthz while it loads. */
  engine: InferenceEngine | Promise<InferenceEngine>;
  /** Where log lines go (default stdout), or false for none. */
  logger?: LogDestination | false;
  /** Node's process metrics in /metrics (default true). */
  defaultMetrics?: boolean;
}

/** Builds the whole HTTP app without listening. main.ts listens and owns signals. */
export async function buildApp(options: BuildAppOptions): Promise<FastifyInstance> {
  const { config } = options;
  const app = Fastify({
    logger: options.logger === false ? false : loggerOptions(config.logLevel, options.logger),
    // One line per request, written by the request-logging plugin, instead of Fastify's two.
    logController: new LogController({ disableRequestLogging: true }),
    genReqId,
    // Fastify's own 503-on-close body is not our error shape; the serving plugin answers instead.
    return503OnClosing: false,
    // requestTimeout stays Node's default (300 s): a 20 MiB upload on a slow link is
    // legitimate, and a slow upload holds no queue slot (the body is read first).
    ajv: { customOptions: { coerceTypes: true, removeAdditional: true, allErrors: false } },
    // Refusals made before a route runs answer in the documented error shape too.
    clientErrorHandler,
    frameworkErrors: frameworkErrors(config.maxImageBytes),
  });

  app.addSchema(errorSchema);
  await app.register(metricsPlugin, {
    defaultMetrics: options.defaultMetrics,
    track: config.track,
    build: config.buildId,
    modelPath: config.modelPath,
  });
  await app.register(requestLoggingPlugin);
  await app.register(routeMethodsPlugin);
  await app.register(servingPlugin, { config, engine: options.engine });
  await app.register(authPlugin);
  await app.register(errorHandlerPlugin);
  await app.register(imageBodyPlugin);
  await app.register(swaggerPlugin);

  await app.register(predictRoutes);
  await app.register(healthRoutes);
  await app.register(infoRoute);
  // With METRICS_PORT, main.ts serves /metrics on that port only (metrics-server.ts).
  if (config.metricsPort === undefined) await app.register(metricsRoute);
  await app.register(docsRoutes);
  await app.register(uiRoutes);
  await app.register(samplesRoutes);
  return app;
}
