import type { FastifyReply, FastifyRequest } from 'fastify';
import { ErrorCode, InferenceApiError } from '../errors';

/**
 * A byte budget for upload bodies held by requests in progress (being received,
 * queued, or running). Each /predict reserves its Content-Length — or the most
 * it may send (MAX_IMAGE_BYTES) when chunked — before a byte of its body is
 * read, and gives it back exactly once when its response ends or its client
 * goes away. Without it, memory grows with the number of open connections
 * (100 slow 19 MiB uploads ≈ 3.8 GiB RSS, buffered chunks plus the final copy).
 */
export class UploadBudget {
  private used = 0;

  constructor(
    readonly limitBytes: number,
    private readonly onChange?: (usedBytes: number) => void,
  ) {}

  get usedBytes(): number {
    return this.used;
  }

  /** A release function (idempotent) for `bytes`, or undefined when they do not fit. */
  reserve(bytes: number): (() => void) | undefined {
    if (bytes > 0 && this.used + bytes > this.limitBytes) return undefined;
    this.used += bytes;
    this.onChange?.(this.used);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.used -= bytes;
      this.onChange?.(this.used);
    };
  }
}

/** Bytes a request may bring: its Content-Length (capped), the cap when chunked, else 0. */
export function expectedUploadBytes(request: FastifyRequest, maxImageBytes: number): number {
  const length = request.headers['content-length'];
  // Node has already refused a malformed Content-Length, so this is digits.
  if (length !== undefined) return Math.min(Number(length), maxImageBytes);
  return request.headers['transfer-encoding'] !== undefined ? maxImageBytes : 0;
}

/**
 * onRequest step of /predict: reserve the upload's bytes, or refuse with 503
 * OVERLOADED (and Connection: close, so the body is never received).
 */
export function admitUpload(
  budget: UploadBudget,
  request: FastifyRequest,
  reply: FastifyReply,
  maxImageBytes: number,
): void {
  const bytes = expectedUploadBytes(request, maxImageBytes);
  const release = budget.reserve(bytes);
  if (!release) {
    reply.header('connection', 'close');
    throw new InferenceApiError(
      ErrorCode.OVERLOADED,
      `${budget.usedBytes} bytes of uploads are already in progress (limit ${budget.limitBytes}); retry later`,
      { details: { reason: 'upload_budget', retryAfterSeconds: 1 } },
    );
  }
  // 'close' follows both a finished response and a vanished client.
  reply.raw.once('close', release);
  reply.raw.once('finish', release);
}
