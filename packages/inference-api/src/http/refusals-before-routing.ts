import { STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyInstance, FastifyServerOptions } from 'fastify';
import { headersTooLarge, invalidRequest, requestTimeout, type InferenceApiError } from '../errors';
import { classifyError } from './classify-error';
import { sendError, type ErrorBody } from './send-error';

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
