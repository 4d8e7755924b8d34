import sharp from 'sharp';
import type { DecodedImage } from '../adapters/adapter';
import { ErrorCode, InferenceApiError } from '../errors';
import { probeImage } from './probe';

/**
 * Decodes an upload to upright 8-bit sRGB, row-major HWC — what every adapter
 * expects — at most `maxSide` pixels on its longest side. EXIF orientation is
 * applied (so coordinates refer to the image as people see it); greyscale,
 * 16-bit, CMYK and palette images are converted to 8-bit sRGB; transparency is
 * flattened onto white (how the upload page and most viewers show it, so the
 * overlay matches what the user saw).
 *
 * Why the cap is applied here: memory must follow the model, not the upload.
 * Scaling in the same libvips pipeline (shrink-on-load for JPEG and WebP,
 * streamed reduction for PNG and TIFF) means the full-resolution raster never
 * exists; a 40 Mpx PNG costs a few MiB instead of 120 MiB of RGB plus the
 * model's copies of it. An image within the cap is decoded exactly as before.
 * `original` then carries the upright size the answer is reported in.
 *
 * `failOn: 'error'`: a truncated or corrupt body is IMAGE_UNDECODABLE rather
 * than half an image. 'truncated' is not enough: a TIFF whose strip is shorter
 * than its header says only shows it as a read error while pixels are read,
 * which 'truncated' lets through as a grey image.
 */
export async function decodeImage(
  bytes: Uint8Array,
  maxPixels: number,
  maxSide = Infinity,
): Promise<DecodedImage> {
  // Format and upright size from the header: 415/400/422 before any pixel is read.
  const probe = await probeImage(bytes, maxPixels);
  const scaled = Math.max(probe.width, probe.height) > maxSide;
  try {
    let pipeline = sharp(bytes, {
      failOn: 'error',
      // Second guard behind probeImage: libvips refuses before allocating pixels.
      limitInputPixels: maxPixels,
    }).rotate();
    if (scaled) {
      pipeline = pipeline.resize({
        width: maxSide,
        height: maxSide,
        fit: 'inside',
        withoutEnlargement: true,
      });
    }
    const { data, info } = await pipeline
      .flatten({ background: '#ffffff' })
      .toColourspace('srgb')
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== 3) throw new Error(`decoded to ${info.channels} channels, not 3`);
    return {
      rgb: new Uint8Array(data.buffer, data.byteOffset, data.byteLength),
      width: info.width,
      height: info.height,
      ...(scaled ? { original: { width: probe.width, height: probe.height } } : {}),
    };
  } catch (err) {
    throw new InferenceApiError(
      ErrorCode.IMAGE_UNDECODABLE,
      `the ${probe.format} image cannot be decoded`,
      { cause: err },
    );
  }
}
