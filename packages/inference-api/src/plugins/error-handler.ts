import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type {
  FastifyError,
  FastifyInstance,
  FastifyReply,
  FastifyRequest,
  FastifyServerOptions,
} from 'fastify';
import fp from 'fastify-plugin';
import {
  clientClosed,
  ErrorCode,
  headersTooLarge,
  InferenceApiError,
  internal,
  invalidRequest,
  methodNotAllowed,
  notFound,
  payloadTooLarge,
  tooManyFields,
  tooManyParts,
  requestTimeout,
  unsupportedMediaType,
} from '../errors';
import { PREDICT_PATH } from '../routes/predict/predict-path';
import { MULTIPART_LIMITS } from './image-body';
import { observeRequest } from './metrics';
import { logRequest } from './request-logging';

/**
 * The one place errors become HTTP answers: `{"error":{"code","message"}}` with
 * the status of the code (errors.ts HTTP_STATUS). Client mistakes are 4xx with a
 * readable message; anything unexpected is a 500 that says nothing about
 * internals (the log has it).
 */
interface ErrorBody {
  error: { code: ErrorCode; message: string };
}

/** An error as it is answered: public message, status and metrics label. */
export interface Classified {
  code: ErrorCode;
  status: number;
  message: string;
  retryAfterSeconds?: number;
  /** Metrics label for refused predictions. */
  reason: string;
}

// Fastify / @fastify/multipart error codes that mean "the client sent something wrong".
type FrameworkError = Partial<FastifyError> | undefined;
const FRAMEWORK_ERRORS: Readonly<
  Record<string, (maxImageBytes: number, err: FrameworkError) => InferenceApiError>
> = {
  FST_ERR_CTP_BODY_TOO_LARGE: payloadTooLarge,
  FST_REQ_FILE_TOO_LARGE: payloadTooLarge,
  FST_PARTS_LIMIT: () => tooManyParts('parts', MULTIPART_LIMITS.parts),
  FST_FILES_LIMIT: () => tooManyParts('files', MULTIPART_LIMITS.files),
  FST_FIELDS_LIMIT: () => tooManyFields(MULTIPART_LIMITS.fields),
  FST_ERR_CTP_INVALID_MEDIA_TYPE: () => unsupportedMediaType(),
  FST_ERR_CTP_INVALID_TYPE: () => unsupportedMediaType(),
  FST_INVALID_MULTIPART_CONTENT_TYPE: () => unsupportedMediaType(),
  FST_ERR_CTP_EMPTY_TYPE: () => unsupportedMediaType(),
  FST_ERR_NOT_FOUND: (_max, err) => notFound(err?.message ?? ErrorCode.NOT_FOUND),
};

/** What the client is told about `err`; 5xx other than 503 never carry the internal message. */
function answerOf(err: InferenceApiError): Classified {
  const { code, status, retryAfterSeconds, reason } = err;
  const message = status >= 500 && status !== 503 ? 'internal error' : err.message;
  return { code, status, message, retryAfterSeconds, reason };
}

export function classifyError(err: unknown, maxImageBytes: number): Classified {
  if (err instanceof InferenceApiError) return answerOf(err);
  const fe = err as FrameworkError;
  if (fe && Array.isArray(fe.validation)) {
    return answerOf(invalidRequest(fe.message ?? 'invalid request'));
  }
  const framework = fe?.code ? FRAMEWORK_ERRORS[fe.code] : undefined;
  if (framework) return answerOf(framework(maxImageBytes, fe));
  // Other framework 4xx (bad content-length, aborted upload, malformed multipart …).
  const status = fe?.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return answerOf(invalidRequest(fe?.message || 'invalid request'));
  }
  return answerOf(internal('internal error'));
}

/** An upload cut off by its client surfaces as a body-parser error; it is not a bad request. */
function clientGone(err: unknown, request: FastifyRequest): boolean {
  return (
    (err as { code?: unknown })?.code === 'ECONNRESET' || request.raw.socket?.destroyed === true
  );
}

/** The answer to `err` on this request: CLIENT_CLOSED (499) when nobody is left to read it. */
function classifyRequestError(
  err: unknown,
  request: FastifyRequest,
  maxImageBytes: number,
): Classified {
  return clientGone(err, request) ? answerOf(clientClosed()) : classifyError(err, maxImageBytes);
}

const BEARER_CHALLENGE = 'Bearer realm="maskops"';

export function sendError(reply: FastifyReply, err: Classified | InferenceApiError): FastifyReply {
  const c = err instanceof InferenceApiError ? answerOf(err) : err;
  if (c.status === 503) reply.header('retry-after', String(c.retryAfterSeconds ?? 1));
  // RFC 7235: every 401 names the scheme that would be accepted.
  if (c.code === ErrorCode.UNAUTHORIZED) reply.header('www-authenticate', BEARER_CHALLENGE);
  const body: ErrorBody = { error: { code: c.code, message: c.message } };
  return reply.code(c.status).type('application/json; charset=utf-8').send(body);
}

/** The app's error and not-found handlers. */
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

/**
 * Fastify's `frameworkErrors`: refusals made before routing (a URL that does not
 * decode, a too-long path parameter) answer in the same shape as every other error.
 */
export function frameworkErrors(
  maxImageBytes: number,
): NonNullable<FastifyServerOptions['frameworkErrors']> {
  return (err, request, reply) => {
    const c = classifyError(err, maxImageBytes);
    request.log.info({ errorCode: c.code, status: c.status }, `refused before routing: ${c.code}`);
    void sendError(reply, c);
  };
}

// Node's HTTP parser refusals, which never become a Fastify request.
const PARSER_ERRORS: Readonly<Record<string, () => InferenceApiError>> = {
  HPE_HEADER_OVERFLOW: headersTooLarge,
  ERR_HTTP_REQUEST_TIMEOUT: requestTimeout,
};

/**
 * Fastify's `clientErrorHandler`: what Node's HTTP parser refuses (headers over
 * its limit, a malformed request line, a request that took too long) gets a
 * complete HTTP answer with the documented error body, then the socket closes.
 */
export function clientErrorHandler(
  this: FastifyInstance,
  err: Error & { code?: string },
  socket: Socket,
): void {
  // A reset connection, or one closed mid-request, has nobody to answer; the
  // request's own outcome (499 CLIENT_CLOSED) is logged by the error handler.
  if (err.code === 'ECONNRESET' || err.code === 'HPE_INVALID_EOF_STATE' || socket.destroyed) {
    socket.destroy();
    return;
  }
  const parser = err.code ? PARSER_ERRORS[err.code] : undefined;
  const { code, status, message } = (parser ?? (() => invalidRequest('malformed HTTP request')))();
  this.log.info(
    { errorCode: code, status, parserError: err.code },
    `refused by the HTTP parser: ${code}`,
  );
  if (socket.writable) {
    const body = JSON.stringify({ error: { code, message } } satisfies ErrorBody);
    socket.write(
      `HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\n` +
        'Content-Type: application/json; charset=utf-8\r\n' +
        `Content-Length: ${Buffer.byteLength(body)}\r\n` +
        'Connection: close\r\n\r\n' +
        body,
    );
  }
  socket.destroy(err);
}
