/**
 * What an upload may be on the wire, shared by the body parsers (plugins/image-body.ts),
 * the reader (read-image.ts), the error classification and the OpenAPI document.
 */

/** Content types read as the raw image bytes. */
export const RAW_IMAGE_TYPES = [
  'image/jpeg',
  'image/png',
  'image/tiff',
  'image/webp',
  'application/octet-stream',
] as const;

/** The multipart field holding the image. */
export const IMAGE_FIELD = 'image';

/** busboy's limits for a /predict form: one image and a few small fields at most. */
export const MULTIPART_LIMITS = {
  files: 4,
  fields: 16,
  fieldSize: 1024,
  parts: 20,
  headerPairs: 100,
} as const;

/**
 * What a multipart body may hold beyond the image itself: preamble, epilogue,
 * boundaries, part headers and the other (small) parts. The whole body is
 * counted against MAX_IMAGE_BYTES plus this, so no part of it is read unbounded.
 */
export const MULTIPART_ALLOWANCE_BYTES = 64 * 1024;
