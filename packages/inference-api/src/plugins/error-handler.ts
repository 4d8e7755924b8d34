import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type {
  FastifyError,
  FastifyInstance,
  FastifyReply,
  FastifyRequest,
  FastifyServerOptions,
} from 'fastify';
import { ErrorCode, InferenceApiError, httpStatusOf } from '../errors';

/**
 * The one place errors become HTTP answers: `{"error":{"code","message"}}` with
 * the status from httpStatusOf. Client mistakes are 4xx with a readable message;
 * anything unexpected is a 500 that says nothing about internals (the log has it).
 */
export interface ErrorBody {
  error: { code: ErrorCode; message: string };
}

// Fastify / @fastify/multipart error codes that mean "the client sent something wrong".
const FRAMEWORK_CODES: Readonly<Record<string, ErrorCode>> = {
  FST_ERR_CTP_BODY_TOO_LARGE: ErrorCode.PAYLOAD_TOO_LARGE,
  FST_REQ_FILE_TOO_LARGE: ErrorCode.PAYLOAD_TOO_LARGE,
  FST_PARTS_LIMIT: ErrorCode.PAYLOAD_TOO_LARGE,
  FST_FILES_LIMIT: ErrorCode.PAYLOAD_TOO_LARGE,
  FST_FIELDS_LIMIT: ErrorCode.PAYLOAD_TOO_LARGE,
  FST_ERR_CTP_INVALID_MEDIA_TYPE: ErrorCode.UNSUPPORTED_MEDIA_TYPE,
  FST_ERR_CTP_INVALID_TYPE: ErrorCode.UNSUPPORTED_MEDIA_TYPE,
  FST_INVALID_MULTIPART_CONTENT_TYPE: ErrorCode.UNSUPPORTED_MEDIA_TYPE,
  FST_ERR_CTP_EMPTY_TYPE: ErrorCode.UNSUPPORTED_MEDIA_TYPE,
  FST_ERR_NOT_FOUND: ErrorCode.NOT_FOUND,
};

const FRAMEWORK_MESSAGES: Partial<Record<ErrorCode, string>> = {
  PAYLOAD_TOO_LARGE: 'the upload is larger than the server accepts',
  UNSUPPORTED_MEDIA_TYPE:
    'send image/jpeg, image/png, image/tiff or image/webp bytes, or multipart/form-data with a file field "image"',
};

export interface Classified {
  code: ErrorCode;
  status: number;
  message: string;
  retryAfterSeconds?: number;
  /** Metrics label for refused predictions. */
  reason: string;
}

export function classifyError(err: unknown, maxImageBytes: number): Classified {
  if (err instanceof InferenceApiError) {
    const details = err.details ?? {};
    const retry = details['retryAfterSeconds'];
    const reason = details['reason'];
    return {
      code: err.code,
      status: httpStatusOf[err.code] ?? 500,
      message:
        httpStatusOf[err.code] >= 500 && !isServiceUnavailable(err.code)
          ? 'internal error'
          : err.message,
      retryAfterSeconds: typeof retry === 'number' ? retry : undefined,
      reason: typeof reason === 'string' ? reason : err.code.toLowerCase(),
    };
  }
  const fe = err as Partial<FastifyError> | undefined;
  if (fe && Array.isArray(fe.validation)) {
    return {
      code: ErrorCode.INVALID_REQUEST,
      status: 400,
      message: fe.message ?? 'invalid request',
      reason: 'invalid_request',
    };
  }
  const mapped = fe?.code ? FRAMEWORK_CODES[fe.code] : undefined;
  if (mapped) {
    let message = FRAMEWORK_MESSAGES[mapped] ?? fe?.message ?? mapped;
    if (mapped === ErrorCode.PAYLOAD_TOO_LARGE) message += ` (${maxImageBytes} bytes)`;
    return { code: mapped, status: httpStatusOf[mapped], message, reason: mapped.toLowerCase() };
  }
  // Other framework 4xx (bad content-length, aborted upload, malformed multipart …).
  const status = fe?.statusCode;
  if (typeof status === 'number' && status >= 400 && status < 500) {
    return {
      code: ErrorCode.INVALID_REQUEST,
      status: 400,
      message: fe?.message || 'invalid request',
      reason: 'invalid_request',
    };
  }
  return { code: ErrorCode.INTERNAL, status: 500, message: 'internal error', reason: 'internal' };
}

/** What a request whose client went away is counted as (status 499: nobody reads it). */
export const CLIENT_CLOSED: Classified = {
  code: ErrorCode.CLIENT_CLOSED,
  status: httpStatusOf.CLIENT_CLOSED,
  message: 'the client closed the connection',
  reason: 'client_closed',
};

/** An upload cut off by its client surfaces as a body-parser error; it is not a bad request. */
function clientGone(err: unknown, request: FastifyRequest): boolean {
  return (
    (err as { code?: unknown })?.code === 'ECONNRESET' || request.raw.socket?.destroyed === true
  );
}

function isServiceUnavailable(code: ErrorCode): boolean {
  return httpStatusOf[code] === 503;
}

export function sendError(reply: FastifyReply, c: Classified): FastifyReply {
  if (c.status === 503) reply.header('retry-after', String(c.retryAfterSeconds ?? 1));
  const body: ErrorBody = { error: { code: c.code, message: c.message } };
  return reply.code(c.status).type('application/json; charset=utf-8').send(body);
}

export function registerErrorHandler(
  app: FastifyInstance,
  options: {
    maxImageBytes: number;
    onError?: (request: FastifyRequest, c: Classified) => void;
    /** The client went away: nobody gets an answer, so onResponse will not run either. */
    onClientGone?: (request: FastifyRequest, reply: FastifyReply) => void;
  },
): void {
  app.setErrorHandler((err, request, reply) => {
    const c = clientGone(err, request) ? CLIENT_CLOSED : classifyError(err, options.maxImageBytes);
    if (c.status >= 500 && c.status !== 503) request.log.error({ err }, 'request failed');
    options.onError?.(request, c);
    if (c.code === ErrorCode.CLIENT_CLOSED) {
      reply.code(c.status);
      reply.hijack();
      reply.raw.destroy();
      options.onClientGone?.(request, reply);
      return;
    }
    return sendError(reply, c);
  });
  app.setNotFoundHandler((request, reply) =>
    sendError(reply, {
      code: ErrorCode.NOT_FOUND,
      status: 404,
      message: `no route ${request.method} ${(request.url.split('?')[0] ?? '').slice(0, 200)}`,
      reason: 'not_found',
    }),
  );
}

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
const PARSER_ERRORS: Readonly<Record<string, ErrorCode>> = {
  HPE_HEADER_OVERFLOW: ErrorCode.HEADERS_TOO_LARGE,
  ERR_HTTP_REQUEST_TIMEOUT: ErrorCode.REQUEST_TIMEOUT,
};
const PARSER_MESSAGES: Partial<Record<ErrorCode, string>> = {
  HEADERS_TOO_LARGE: 'the request headers are larger than the server accepts',
  REQUEST_TIMEOUT: 'the request was not received in time',
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
  const code = (err.code && PARSER_ERRORS[err.code]) || ErrorCode.INVALID_REQUEST;
  const status = httpStatusOf[code];
  const message = PARSER_MESSAGES[code] ?? 'malformed HTTP request';
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
