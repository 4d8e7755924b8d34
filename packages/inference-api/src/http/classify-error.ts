import type { FastifyError, FastifyRequest } from 'fastify';
import {
  clientClosed,
  ErrorCode,
  InferenceApiError,
  internal,
  invalidRequest,
  notFound,
  payloadTooLarge,
  tooManyFields,
  tooManyParts,
  unsupportedMediaType,
} from '../errors';
import { MULTIPART_LIMITS } from './upload-format';

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
export function answerOf(err: InferenceApiError): Classified {
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
export function classifyRequestError(
  err: unknown,
  request: FastifyRequest,
  maxImageBytes: number,
): Classified {
  return clientGone(err, request) ? answerOf(clientClosed()) : classifyError(err, maxImageBytes);
}
