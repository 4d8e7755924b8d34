import type { FastifyReply } from 'fastify';
import { ErrorCode, InferenceApiError } from '../errors';
import { answerOf, type Classified } from './classify-error';

/**
 * The one shape of every error answer, `{"error":{"code","message"}}`, with the
 * status of the code (errors.ts HTTP_STATUS). Client mistakes are 4xx with a
 * readable message; anything unexpected is a 500 that says nothing about
 * internals (the log has it).
 */
export interface ErrorBody {
  error: { code: ErrorCode; message: string };
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
