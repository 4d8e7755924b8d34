import sharp from 'sharp';
import type { DecodedImage } from '../adapters/adapter';
import { ErrorCode, InferenceApiError } from '../errors';
import { checkPixels } from './probe';
import { sniffImageFormat } from './sniff';

/**
 * Decodes an upload to upright 8-bit sRGB, row-major HWC — what every adapter
 * expects. EXIF orientation is applied (so coordinates refer to the image as
 * people see it); greyscale, 16-bit, CMYK and palette images are converted to
 * 8-bit sRGB; transparency is flattened onto white (how the upload page and
 * most viewers show it, so the overlay matches what the user saw). A
 * truncated or corrupt body is IMAGE_UNDECODABLE rather than half an image.
 */
export async function decodeImage(bytes: Uint8Array, maxPixels: number): Promise<DecodedImage> {
  const format = sniffImageFormat(bytes);
  if (!format) {
    throw new InferenceApiError(
      ErrorCode.UNSUPPORTED_MEDIA_TYPE,
      'the body is not a JPEG, PNG, TIFF or WebP image',
    );
  }
  try {
    const { data, info } = await sharp(bytes, {
      failOn: 'truncated',
      // Second guard behind probeImage: libvips refuses before allocating pixels.
      limitInputPixels: maxPixels,
    })
      .rotate()
      .flatten({ background: '#ffffff' })
      .toColourspace('srgb')
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== 3) throw new Error(`decoded to ${info.channels} channels, not 3`);
    return {
      rgb: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
      width: info.width,
      height: info.height,
    };
  } catch (err) {
    if (/exceeds pixel limit/i.test(String((err as Error).message))) {
      const meta = await sharp(bytes, { limitInputPixels: false })
        .metadata()
        .catch(() => undefined);
      checkPixels(meta?.width ?? Infinity, meta?.height ?? 1, maxPixels);
    }
    throw new InferenceApiError(
      ErrorCode.IMAGE_UNDECODABLE,
      `the ${format} image cannot be decoded`,
      {
        cause: err,
      },
    );
  }
}
