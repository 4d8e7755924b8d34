import { MaskopsError } from '@maskops/shared';

/**
 * Every error code the inference API can answer with, and its HTTP status.
 * The single error handler (plugins/error-handler.ts) maps codes through this
 * table; anything not listed is a 500 with a generic body.
 */
export const ErrorCode = {
  EMPTY_BODY: 'EMPTY_BODY',
  PAYLOAD_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  UNSUPPORTED_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  IMAGE_UNDECODABLE: 'IMAGE_UNDECODABLE',
  IMAGE_TOO_MANY_PIXELS: 'IMAGE_TOO_MANY_PIXELS',
  MISSING_IMAGE_FIELD: 'MISSING_IMAGE_FIELD',
  INVALID_REQUEST: 'INVALID_REQUEST',
  HEADERS_TOO_LARGE: 'HEADERS_TOO_LARGE',
  REQUEST_TIMEOUT: 'REQUEST_TIMEOUT',
  CLIENT_CLOSED: 'CLIENT_CLOSED',
  NOT_FOUND: 'NOT_FOUND',
  OVERLOADED: 'OVERLOADED',
  QUEUE_TIMEOUT: 'QUEUE_TIMEOUT',
  NOT_READY: 'NOT_READY',
  MODEL_INVALID: 'MODEL_INVALID',
  MODEL_NOT_FOUND: 'MODEL_NOT_FOUND',
  INFERENCE_FAILED: 'INFERENCE_FAILED',
  INTERNAL: 'INTERNAL',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

export const httpStatusOf: Readonly<Record<ErrorCode, number>> = {
  EMPTY_BODY: 400,
  PAYLOAD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  IMAGE_UNDECODABLE: 400,
  IMAGE_TOO_MANY_PIXELS: 422,
  MISSING_IMAGE_FIELD: 400,
  INVALID_REQUEST: 400,
  HEADERS_TOO_LARGE: 431,
  REQUEST_TIMEOUT: 408,
  // nginx's "client closed request": only logs and metrics see it, the client is gone.
  CLIENT_CLOSED: 499,
  NOT_FOUND: 404,
  OVERLOADED: 503,
  QUEUE_TIMEOUT: 503,
  NOT_READY: 503,
  MODEL_INVALID: 500,
  MODEL_NOT_FOUND: 500,
  INFERENCE_FAILED: 500,
  INTERNAL: 500,
};

export class InferenceApiError extends MaskopsError {
  declare readonly code: ErrorCode;
  constructor(
    code: ErrorCode,
    message: string,
    options: { cause?: unknown; details?: Record<string, unknown> } = {},
  ) {
    super(code, message, options);
  }
}
