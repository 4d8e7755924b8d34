import type { FastifyRequest } from 'fastify';
import {
  bodyTooLarge,
  emptyBody,
  fieldTooLarge,
  InferenceApiError,
  invalidRequest,
  missingImageField,
  unsupportedMediaType,
} from '../errors';
import { IMAGE_FIELD, MULTIPART_ALLOWANCE_BYTES, MULTIPART_LIMITS } from './upload-format';

/** The uploaded image bytes of a request, or a 4xx InferenceApiError. */
export async function readImage(request: FastifyRequest, maxImageBytes: number): Promise<Buffer> {
  let bytes: Buffer | undefined;
  if (request.isMultipart()) {
    bytes = await readMultipartImage(request, maxImageBytes + MULTIPART_ALLOWANCE_BYTES);
  } else if (Buffer.isBuffer(request.body)) {
    bytes = request.body;
  } else if (request.body === undefined || request.body === null) {
    // No Content-Type and no body at all.
    throw emptyBody('the request has no image in its body');
  } else {
    throw unsupportedMediaType('send image bytes');
  }
  if (bytes.length === 0) {
    throw emptyBody('the uploaded image is empty (0 bytes)');
  }
  return bytes;
}

/**
 * The `image` file of a multipart body, the whole body held to `budget` bytes:
 * busboy reads the request itself, so its bytes are counted as they arrive and
 * the read is abandoned (the stream unpiped and paused, the connection closed
 * after the answer) as soon as they pass it.
 */
async function readMultipartImage(request: FastifyRequest, budget: number): Promise<Buffer> {
  const declared = Number(request.headers['content-length'] ?? 0);
  if (declared > budget) throw bodyTooLarge(budget);
  const raw = request.raw;
  let received = 0;
  let overrun!: (err: Error) => void;
  const over = new Promise<never>((_, reject) => (overrun = reject));
  const count = (chunk: Buffer): void => {
    received += chunk.length;
    if (received <= budget) return;
    raw.off('data', count);
    raw.unpipe();
    raw.pause();
    overrun(bodyTooLarge(budget));
  };
  raw.on('data', count);
  const collect = collectImage(request);
  // Left behind when the budget wins; its late failure is of no interest then.
  collect.catch(() => undefined);
  try {
    return await Promise.race([collect, over]);
  } finally {
    raw.off('data', count);
  }
}

async function collectImage(request: FastifyRequest): Promise<Buffer> {
  let image: Buffer | undefined;
  try {
    for await (const part of request.parts()) {
      if (part.type === 'file') {
        if (part.fieldname === IMAGE_FIELD && image === undefined) image = await part.toBuffer();
        else part.file.resume(); // drain and discard anything else
      } else if (part.valueTruncated) {
        throw fieldTooLarge(part.fieldname, MULTIPART_LIMITS.fieldSize);
      }
    }
  } catch (err) {
    if (err instanceof InferenceApiError) throw err;
    const code = (err as { code?: unknown }).code;
    if (typeof code === 'string' && code.startsWith('FST_')) throw err; // limits: see classify-error.ts
    // busboy's "Unexpected end of form", "Malformed part header", …: the client's doing.
    throw invalidRequest(`malformed multipart body: ${(err as Error).message}`, { cause: err });
  }
  if (image === undefined) {
    throw missingImageField(IMAGE_FIELD);
  }
  return image;
}
