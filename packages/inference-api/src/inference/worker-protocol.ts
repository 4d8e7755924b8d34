import { ErrorCode, fromWorker, inferenceFailed, type InferenceApiError } from '../errors';
import type { WorkerLogLine } from '../logging/worker-log';
import type { ModelInfo, Prediction, PredictOptions } from './types';

export type ToWorker =
  | { type: 'predict'; id: number; image: Uint8Array; options: PredictOptions }
  | { type: 'num-tensors'; id: number };

export type FromWorker =
  | { type: 'ready'; info: ModelInfo; loadMs: number; warmupMs: number }
  | { type: 'init-error'; error: SerializedError }
  | { type: 'result'; id: number; prediction: Prediction }
  | { type: 'num-tensors'; id: number; value: number }
  | { type: 'error'; id: number; error: SerializedError }
  | ({ type: 'log' } & WorkerLogLine);

/** Errors cross the thread boundary as plain data; classes do not survive structured clone. */
export interface SerializedError {
  name: string;
  message: string;
  code?: string;
  details?: Record<string, unknown>;
  stack?: string;
}

export function serializeError(err: unknown): SerializedError {
  if (err instanceof Error) {
    const { code, details } = err as { code?: unknown; details?: unknown };
    return {
      name: err.name,
      message: err.message,
      ...(typeof code === 'string' ? { code } : {}),
      ...(details && typeof details === 'object'
        ? { details: { ...(details as Record<string, unknown>) } }
        : {}),
      ...(err.stack ? { stack: err.stack } : {}),
    };
  }
  return { name: 'Error', message: String(err) };
}

// Problems with the upload itself: the client hears exactly what the worker found.
const CLIENT_CODES: ReadonlySet<string> = new Set([
  ErrorCode.EMPTY_BODY,
  ErrorCode.UNSUPPORTED_MEDIA_TYPE,
  ErrorCode.IMAGE_UNDECODABLE,
  ErrorCode.IMAGE_TOO_MANY_PIXELS,
  ErrorCode.INVALID_REQUEST,
]);

// Start-up problems an operator must see verbatim.
const MODEL_CODES: ReadonlySet<string> = new Set([
  ErrorCode.MODEL_INVALID,
  ErrorCode.MODEL_NOT_FOUND,
  ErrorCode.MODEL_MANIFEST_INVALID,
  ErrorCode.MODEL_CHECKSUM_MISMATCH,
  ErrorCode.MODEL_ADAPTER_MISMATCH,
  ErrorCode.LABELS_INVALID,
]);

/**
 * Re-creates a worker error in the calling thread. Image errors keep their code
 * and message (4xx); model errors keep theirs (start-up); everything else
 * becomes INFERENCE_FAILED with a generic message, the original only in `cause`
 * (for logs — internals never reach clients).
 */
export function deserializeError(error: SerializedError): InferenceApiError {
  if (error.code && (CLIENT_CODES.has(error.code) || MODEL_CODES.has(error.code))) {
    return fromWorker(error.code as ErrorCode, error.message, error.details);
  }
  const cause = Object.assign(new Error(error.message), {
    name: error.name,
    ...(error.code ? { code: error.code } : {}),
    ...(error.stack ? { stack: error.stack } : {}),
  });
  return inferenceFailed('inference failed', { cause });
}
