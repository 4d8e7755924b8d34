import sharp from 'sharp';
import type { DecodedImage } from './decoded-image';
import { imageUndecodable } from '../errors';
import { probeImage } from './probe';

interface Size {
  width: number;
  height: number;
}

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
  const size = fitInside(probe, maxSide);
  const scaled = size.width !== probe.width || size.height !== probe.height;
  try {
    const { data, info } = await uprightPipeline(bytes, maxPixels, probe, size)
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
    throw imageUndecodable(`the ${probe.format} image cannot be decoded`, { cause: err });
  }
}

/** `size` scaled to fit inside maxSide × maxSide (aspect kept); unchanged when it fits. */
export function fitInside(size: Size, maxSide: number): Size {
  const longest = Math.max(size.width, size.height);
  if (longest <= maxSide) return { width: size.width, height: size.height };
  const scale = maxSide / longest;
  return {
    width: Math.max(1, Math.round(size.width * scale)),
    height: Math.max(1, Math.round(size.height * scale)),
  };
}

/**
 * The upload as upright, flattened sRGB of exactly `target` pixels (`upright`
 * is its size before scaling), not yet written anywhere: decodeImage reads it
 * as raw pixels, the overlay composites onto it while it streams.
 */
export function uprightPipeline(
  bytes: Uint8Array,
  maxPixels: number,
  upright: Size,
  target: Size,
): sharp.Sharp {
  let pipeline = sharp(bytes, {
    failOn: 'error',
    // Second guard behind probeImage: libvips refuses before allocating pixels.
    limitInputPixels: maxPixels,
  }).rotate();
  if (target.width !== upright.width || target.height !== upright.height) {
    // Explicit size (not fit: 'inside') so callers know it without asking libvips.
    pipeline = pipeline.resize({ width: target.width, height: target.height, fit: 'fill' });
  }
  return pipeline.flatten({ background: '#ffffff' }).toColourspace('srgb');
}
