import type { FastifyReply, FastifyRequest } from 'fastify';
import { overloaded, RejectReason } from '../../errors';
import type { UploadBudget } from '../../serving/upload-budget';

/** Bytes a request may bring: its Content-Length (capped), the cap when chunked, else 0. */
function expectedUploadBytes(request: FastifyRequest, maxImageBytes: number): number {
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
    throw overloaded(
      `${budget.usedBytes} bytes of uploads are already in progress (limit ${budget.limitBytes}); retry later`,
      { reason: RejectReason.UPLOAD_BUDGET, retryAfterSeconds: 1 },
    );
  }
  // 'close' follows both a finished response and a vanished client.
  reply.raw.once('close', release);
  reply.raw.once('finish', release);
}
