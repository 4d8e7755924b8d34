import sharp from 'sharp';
import { imageTooManyPixels, imageUndecodable, unsupportedMediaType } from '../errors';
import { sniffImageFormat } from './sniff';

/** What the header of an upload says, read without decoding pixels. */
export interface ImageProbe {
  /** sharp's format name: jpeg, png, tiff, webp */
  format: string;
  width: number;
  height: number;
}

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
    throw unsupportedMediaType('the body is not a JPEG, PNG, TIFF or WebP image');
  }
  let meta: sharp.Metadata;
  try {
    // No pixel limit here: we want the dimensions to report them, and metadata
    // reads only the header.
    meta = await sharp(bytes, { limitInputPixels: false }).metadata();
  } catch (err) {
    throw imageUndecodable(`the ${format} header cannot be read`, { cause: err });
  }
  if (meta.format !== format || !meta.width || !meta.height) {
    throw imageUndecodable(`the ${format} header cannot be read`, {
      details: { sharpFormat: meta.format },
    });
  }
  // EXIF orientations 5–8 rotate by 90°: the upright image is height × width.
  const swap = (meta.orientation ?? 1) >= 5;
  const width = swap ? meta.height : meta.width;
  const height = swap ? meta.width : meta.height;
  if (width * height > maxPixels) throw imageTooManyPixels(width, height, maxPixels);
  return { format, width, height };
}
