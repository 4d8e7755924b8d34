import sharp from 'sharp';
import { ErrorCode, InferenceApiError } from '../errors';
import type { ImageProbe } from '../inference/types';
import { sniffImageFormat } from './sniff';

/**
 * Reads an upload's format and (upright) dimensions from its header only, so
 * unsupported, broken and oversized images are refused before any pixel is
 * decoded. Bytes that are not JPEG/PNG/TIFF/WebP → UNSUPPORTED_MEDIA_TYPE; a
 * header sharp cannot read → IMAGE_UNDECODABLE; width × height > maxPixels →
 * IMAGE_TOO_MANY_PIXELS. A truncated body behind a good header passes here and
 * fails in decodeImage.
 */
export async function probeImage(bytes: Uint8Array, maxPixels: number): Promise<ImageProbe> {
  const format = sniffImageFormat(bytes);
  if (!format) {
    throw new InferenceApiError(
      ErrorCode.UNSUPPORTED_MEDIA_TYPE,
      'the body is not a JPEG, PNG, TIFF or WebP image',
    );
  }
  let meta: sharp.Metadata;
  try {
    // No pixel limit here: we want the dimensions to report them, and metadata
    // reads only the header.
    meta = await sharp(bytes, { limitInputPixels: false }).metadata();
  } catch (err) {
    throw new InferenceApiError(
      ErrorCode.IMAGE_UNDECODABLE,
      `the ${format} header cannot be read`,
      { cause: err },
    );
  }
  if (meta.format !== format || !meta.width || !meta.height) {
    throw new InferenceApiError(
      ErrorCode.IMAGE_UNDECODABLE,
      `the ${format} header cannot be read`,
      { details: { sharpFormat: meta.format } },
    );
  }
  // EXIF orientations 5–8 rotate by 90°: the upright image is height × width.
  const swap = (meta.orientation ?? 1) >= 5;
  const width = swap ? meta.height : meta.width;
  const height = swap ? meta.width : meta.height;
  checkPixels(width, height, maxPixels);
  return { format, width, height };
}

export function checkPixels(width: number, height: number, maxPixels: number): void {
  if (width * height > maxPixels) {
    throw new InferenceApiError(
      ErrorCode.IMAGE_TOO_MANY_PIXELS,
      `the image is ${width}×${height} = ${width * height} pixels; the limit is ${maxPixels}`,
      { details: { width, height, maxPixels } },
    );
  }
}
