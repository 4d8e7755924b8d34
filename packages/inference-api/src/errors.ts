import { MaskopsError } from '@maskops/shared';

/**
 * Every error code the inference API can answer with. HTTP_STATUS below is the
 * only place a status is decided; every error is built by one of the factories
 * at the end of this file.
 */
export const ErrorCode = {
  EMPTY_BODY: 'EMPTY_BODY',
  PAYLOAD_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  BODY_TOO_LARGE: 'BODY_TOO_LARGE',
  TOO_MANY_PARTS: 'TOO_MANY_PARTS',
  TOO_MANY_FIELDS: 'TOO_MANY_FIELDS',
  FIELD_TOO_LARGE: 'FIELD_TOO_LARGE',
  UNSUPPORTED_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  IMAGE_UNDECODABLE: 'IMAGE_UNDECODABLE',
  IMAGE_TOO_MANY_PIXELS: 'IMAGE_TOO_MANY_PIXELS',
  MISSING_IMAGE_FIELD: 'MISSING_IMAGE_FIELD',
  INVALID_REQUEST: 'INVALID_REQUEST',
  UNAUTHORIZED: 'UNAUTHORIZED',
  HEADERS_TOO_LARGE: 'HEADERS_TOO_LARGE',
  REQUEST_TIMEOUT: 'REQUEST_TIMEOUT',
  CLIENT_CLOSED: 'CLIENT_CLOSED',
  NOT_FOUND: 'NOT_FOUND',
  METHOD_NOT_ALLOWED: 'METHOD_NOT_ALLOWED',
  OVERLOADED: 'OVERLOADED',
  QUEUE_TIMEOUT: 'QUEUE_TIMEOUT',
  NOT_READY: 'NOT_READY',
  MODEL_INVALID: 'MODEL_INVALID',
  MODEL_NOT_FOUND: 'MODEL_NOT_FOUND',
  MODEL_MANIFEST_INVALID: 'MODEL_MANIFEST_INVALID',
  MODEL_CHECKSUM_MISMATCH: 'MODEL_CHECKSUM_MISMATCH',
  MODEL_ADAPTER_MISMATCH: 'MODEL_ADAPTER_MISMATCH',
  LABELS_INVALID: 'LABELS_INVALID',
  INFERENCE_FAILED: 'INFERENCE_FAILED',
  INTERNAL: 'INTERNAL',
} as const;
export type ErrorCode = (typeof ErrorCode)[keyof typeof ErrorCode];

/** The HTTP status of each code; anything that is not an InferenceApiError is a 500. */
const HTTP_STATUS = {
  EMPTY_BODY: 400,
  PAYLOAD_TOO_LARGE: 413,
  BODY_TOO_LARGE: 413,
  TOO_MANY_PARTS: 413,
  TOO_MANY_FIELDS: 413,
  FIELD_TOO_LARGE: 413,
  UNSUPPORTED_MEDIA_TYPE: 415,
  IMAGE_UNDECODABLE: 400,
  IMAGE_TOO_MANY_PIXELS: 422,
  MISSING_IMAGE_FIELD: 400,
  INVALID_REQUEST: 400,
  UNAUTHORIZED: 401,
  HEADERS_TOO_LARGE: 431,
  REQUEST_TIMEOUT: 408,
  // nginx's "client closed request": only logs and metrics see it, the client is gone.
  CLIENT_CLOSED: 499,
  NOT_FOUND: 404,
  METHOD_NOT_ALLOWED: 405,
  OVERLOADED: 503,
  QUEUE_TIMEOUT: 503,
  NOT_READY: 503,
  MODEL_INVALID: 500,
  MODEL_NOT_FOUND: 500,
  MODEL_MANIFEST_INVALID: 500,
  MODEL_CHECKSUM_MISMATCH: 500,
  MODEL_ADAPTER_MISMATCH: 500,
  LABELS_INVALID: 500,
  INFERENCE_FAILED: 500,
  INTERNAL: 500,
} as const satisfies Record<ErrorCode, number>;

/** Why a prediction was refused before it ran: the maskops_predict_rejected_total label. */
export const RejectReason = {
  OVERLOADED: 'overloaded',
  UPLOAD_BUDGET: 'upload_budget',
  QUEUE_TIMEOUT: 'queue_timeout',
  CLIENT_CLOSED: 'client_closed',
  NOT_READY: 'not_ready',
  CLOSING: 'closing',
} as const;
export type RejectReason = (typeof RejectReason)[keyof typeof RejectReason];

interface ErrorOptions {
  cause?: unknown;
  /** Extra, non-secret context for logs. */
  details?: Record<string, unknown>;
}

interface RefusalOptions extends ErrorOptions {
  /** Seconds a refused client should wait: the Retry-After of a 503. */
  retryAfterSeconds?: number;
  /** Metrics label; the lower-cased code when absent. */
  reason?: RejectReason;
}

export class InferenceApiError extends MaskopsError {
  declare readonly code: ErrorCode;
  readonly retryAfterSeconds: number | undefined;
  readonly reason: RejectReason | Lowercase<ErrorCode>;

  constructor(code: ErrorCode, message: string, options: RefusalOptions = {}) {
    super(code, message, options);
    this.retryAfterSeconds = options.retryAfterSeconds;
    this.reason = options.reason ?? (code.toLowerCase() as Lowercase<ErrorCode>);
  }

  get status(): number {
    return HTTP_STATUS[this.code];
  }
}

// --- The upload ---------------------------------------------------------------

export const emptyBody = (message: string): InferenceApiError =>
  new InferenceApiError(ErrorCode.EMPTY_BODY, message);

export const payloadTooLarge = (limitBytes: number): InferenceApiError =>
  new InferenceApiError(
    ErrorCode.PAYLOAD_TOO_LARGE,
    `the upload is larger than the server accepts (${limitBytes} bytes)`,
  );

// Multipart limits: each names its own limit (a 2 KB body with 30 parts is not "too large").

/** The whole multipart body (preamble, part headers, every part, epilogue) passed its budget. */
export const bodyTooLarge = (limitBytes: number): InferenceApiError =>
  new InferenceApiError(
    ErrorCode.BODY_TOO_LARGE,
    `the multipart body is larger than the server accepts (${limitBytes} bytes: MAX_IMAGE_BYTES plus room for the form's other parts)`,
  );

export const tooManyParts = (what: 'parts' | 'files', limit: number): InferenceApiError =>
  new InferenceApiError(
    ErrorCode.TOO_MANY_PARTS,
    `the multipart body has more than ${limit} ${what}`,
  );

export const tooManyFields = (limit: number): InferenceApiError =>
  new InferenceApiError(
    ErrorCode.TOO_MANY_FIELDS,
    `the multipart body has more than ${limit} text fields`,
  );

export const fieldTooLarge = (field: string, limitBytes: number): InferenceApiError =>
  new InferenceApiError(
    ErrorCode.FIELD_TOO_LARGE,
    `the multipart text field "${field.slice(0, 64)}" is larger than ${limitBytes} bytes`,
  );

export const unsupportedMediaType = (
  message = 'send image/jpeg, image/png, image/tiff or image/webp bytes, or multipart/form-data with a file field "image"',
): InferenceApiError => new InferenceApiError(ErrorCode.UNSUPPORTED_MEDIA_TYPE, message);

export const imageUndecodable = (message: string, options?: ErrorOptions): InferenceApiError =>
  new InferenceApiError(ErrorCode.IMAGE_UNDECODABLE, message, options);

export const imageTooManyPixels = (
  width: number,
  height: number,
  maxPixels: number,
): InferenceApiError =>
  new InferenceApiError(
    ErrorCode.IMAGE_TOO_MANY_PIXELS,
    `the image is ${width}×${height} = ${width * height} pixels; the limit is ${maxPixels}`,
    { details: { width, height, maxPixels } },
  );

export const missingImageField = (field: string): InferenceApiError =>
  new InferenceApiError(
    ErrorCode.MISSING_IMAGE_FIELD,
    `the multipart body has no file field "${field}"`,
  );

export const invalidRequest = (message: string, options?: ErrorOptions): InferenceApiError =>
  new InferenceApiError(ErrorCode.INVALID_REQUEST, message, options);

// --- The HTTP exchange --------------------------------------------------------

/** No, a malformed, or an unknown bearer token (API_TOKENS_FILE); the message never echoes it. */
export const unauthorized = (message: string): InferenceApiError =>
  new InferenceApiError(ErrorCode.UNAUTHORIZED, message);

export const headersTooLarge = (): InferenceApiError =>
  new InferenceApiError(
    ErrorCode.HEADERS_TOO_LARGE,
    'the request headers are larger than the server accepts',
  );

export const requestTimeout = (): InferenceApiError =>
  new InferenceApiError(ErrorCode.REQUEST_TIMEOUT, 'the request was not received in time');

export const clientClosed = (message = 'the client closed the connection'): InferenceApiError =>
  new InferenceApiError(ErrorCode.CLIENT_CLOSED, message, { reason: RejectReason.CLIENT_CLOSED });

export const notFound = (message: string): InferenceApiError =>
  new InferenceApiError(ErrorCode.NOT_FOUND, message);

/** A known path asked with a method it does not answer; the handler sets `Allow`. */
export const methodNotAllowed = (
  method: string,
  path: string,
  allow: string[],
): InferenceApiError =>
  new InferenceApiError(
    ErrorCode.METHOD_NOT_ALLOWED,
    `${path} answers ${allow.join(', ')}, not ${method}`,
  );

// --- Refusals: 503 with Retry-After -------------------------------------------

export const overloaded = (
  message: string,
  refusal: { retryAfterSeconds: number; reason: RejectReason },
): InferenceApiError => new InferenceApiError(ErrorCode.OVERLOADED, message, refusal);

export const queueTimeout = (timeoutMs: number, retryAfterSeconds: number): InferenceApiError =>
  new InferenceApiError(
    ErrorCode.QUEUE_TIMEOUT,
    `waited ${timeoutMs} ms for the model without getting a turn; retry later`,
    { retryAfterSeconds, reason: RejectReason.QUEUE_TIMEOUT },
  );

export const notReady = (
  message: string,
  refusal: { retryAfterSeconds?: number; reason?: RejectReason } = {},
): InferenceApiError =>
  new InferenceApiError(ErrorCode.NOT_READY, message, {
    reason: RejectReason.NOT_READY,
    ...refusal,
  });

// --- The model and the server -------------------------------------------------

export const modelInvalid = (message: string, options?: ErrorOptions): InferenceApiError =>
  new InferenceApiError(ErrorCode.MODEL_INVALID, message, options);

export const modelNotFound = (message: string, options?: ErrorOptions): InferenceApiError =>
  new InferenceApiError(ErrorCode.MODEL_NOT_FOUND, message, options);

// A pinned model (MODEL_PATH gs://…/maskops-model.json#GENERATION) that cannot be trusted.

/** The published manifest is missing a field, names no model file, or is not JSON. */
export const modelManifestInvalid = (message: string, options?: ErrorOptions): InferenceApiError =>
  new InferenceApiError(ErrorCode.MODEL_MANIFEST_INVALID, message, options);

/** An object read at its pinned generation is not what the manifest says (CRC32C or size). */
export const modelChecksumMismatch = (
  message: string,
  details: { object: string; generation: string; expected: string; actual: string },
): InferenceApiError =>
  new InferenceApiError(ErrorCode.MODEL_CHECKSUM_MISMATCH, message, { details });

/** The model opens with another adapter than the one its manifest was checked against. */
export const modelAdapterMismatch = (
  modelPath: string,
  published: string,
  actual: { adapter: string; forced: boolean },
): InferenceApiError =>
  new InferenceApiError(
    ErrorCode.MODEL_ADAPTER_MISMATCH,
    `MODEL_PATH ${modelPath} was published for the ${published} adapter, but ` +
      (actual.forced
        ? `MODEL_ADAPTER is ${actual.adapter}`
        : `it opens here as ${actual.adapter} (not the model that was pushed)`),
    { details: { published, actual: actual.adapter } },
  );

/** A labels file that is there but wrong: the service stops with exit 78 (a configuration error). */
export const labelsInvalid = (
  file: string,
  line: number,
  problem: string,
  cause?: unknown,
): InferenceApiError =>
  new InferenceApiError(
    ErrorCode.LABELS_INVALID,
    line > 0 ? `labels file ${file} line ${line}: ${problem}` : `labels file ${file} ${problem}`,
    { cause, details: { file, ...(line > 0 ? { line } : {}) } },
  );

export const inferenceFailed = (message: string, options?: ErrorOptions): InferenceApiError =>
  new InferenceApiError(ErrorCode.INFERENCE_FAILED, message, options);

/** A broken invariant inside the server (a bug): a 500 whose message no client sees. */
export const internal = (message: string, options?: ErrorOptions): InferenceApiError =>
  new InferenceApiError(ErrorCode.INTERNAL, message, options);

/** A worker's error re-created in the main thread (classes do not survive structured clone). */
export const fromWorker = (
  code: ErrorCode,
  message: string,
  details?: Record<string, unknown>,
): InferenceApiError => new InferenceApiError(code, message, details ? { details } : {});
