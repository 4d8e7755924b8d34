import fp from 'fastify-plugin';
import { ErrorCode, methodNotAllowed, notFound } from '../errors';
import { classifyRequestError } from '../http/classify-error';
import { sendError } from '../http/send-error';
import { PREDICT_PATH } from '../routes/predict/predict-path';
import { observeRequest } from './metrics';
import { logRequest } from './request-logging';

/**
 * The one place a request's error becomes its HTTP answer (http/send-error.ts),
 * classified once (http/classify-error.ts): the answer, the refusal count and
 * the log line all come from that one classification.
 */
export const errorHandlerPlugin = fp(
  (app) => {
    const { maxImageBytes } = app.config;
    app.setErrorHandler((err, request, reply) => {
      // The one classification of a request's error: the answer, the count, the log line.
      const c = classifyRequestError(err, request, maxImageBytes);
      if (request.routeOptions.url === PREDICT_PATH) {
        app.metrics.rejected.inc({ reason: c.reason });
        request.predictStats = { ...request.predictStats, errorCode: c.code };
      }
      // A body refused part-way is left unread: the connection cannot be reused.
      if (c.status === 413) reply.header('connection', 'close');
      if (c.status >= 500 && c.status !== 503) request.log.error({ err }, 'request failed');
      if (c.code === ErrorCode.CLIENT_CLOSED) {
        reply.code(c.status);
        reply.hijack();
        reply.raw.destroy();
        // Nobody gets an answer, so onResponse will not run: log and count here.
        logRequest(request, reply);
        observeRequest(app.metrics, request, reply);
        return;
      }
      return sendError(reply, c);
    });
    app.setNotFoundHandler((request, reply) => {
      const path = (request.url.split('?')[0] ?? '').slice(0, 200);
      const allow = app.allowedMethods(path);
      if (allow.length === 0)
        return sendError(reply, notFound(`no route ${request.method} ${path}`));
      // RFC 9110: a 405 lists the methods the path does answer.
      reply.header('allow', allow.join(', '));
      return sendError(reply, methodNotAllowed(request.method, path, allow));
    });
  },
  {
    name: 'error-handler',
    fastify: '5.x',
    dependencies: ['serving', 'metrics', 'request-logging', 'route-methods'],
  },
);
