import sharp from 'sharp';
import type { DecodedImage } from './decoded-image';
import { imageTooManyPixels, imageUndecodable } from '../errors';
import type { ImageProbe } from './probe';
import { sniffImageFormat } from './sniff';

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
 *
 * `probed` is the header as the caller read it (probeImage: the route on the main
 * thread, before the queue; in-process callers likewise): it is not read again,
 * only held against the bytes (checkProbe), and libvips refuses to decode more
 * pixels than it states. One read of the header per image, on every path.
 */
export async function decodeImage(
  bytes: Uint8Array,
  probed: ImageProbe,
  maxPixels: number,
  maxSide = Infinity,
): Promise<DecodedImage> {
  const probe = checkProbe(bytes, probed, maxPixels);
  const size = fitInside(probe, maxSide);
  const scaled = size.width !== probe.width || size.height !== probe.height;
  try {
    const { data, info } = await uprightPipeline(bytes, probe, size)
      .raw({ depth: 'uchar' })
      .toBuffer({ resolveWithObject: true });
    if (info.channels !== 3) throw new Error(`decoded to ${info.channels} channels, not 3`);
    // Unscaled, these are the image's own pixels: fewer than the probe said is refused too.
    if (info.width !== size.width || info.height !== size.height) {
      throw new Error(`decoded to ${info.width}×${info.height}, not ${size.width}×${size.height}`);
    }
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
 * The probed header held against the bytes before they are decoded with it: the
 * same format by their magic, a well-formed size, within maxPixels. Cheap (no
 * libvips); the decode then refuses more pixels than the probe states, so bytes
 * that disagree with it are refused, never decoded at a size nobody checked.
 */
function checkProbe(bytes: Uint8Array, probe: ImageProbe, maxPixels: number): ImageProbe {
  const { format, width, height } = probe;
  if (sniffImageFormat(bytes) !== format) {
    throw imageUndecodable(`the upload is not the ${format} image its header was read as`);
  }
  if (!Number.isSafeInteger(width) || !Number.isSafeInteger(height) || width < 1 || height < 1) {
    throw imageUndecodable(`the ${format} header gave no usable size`);
  }
  if (width * height > maxPixels) throw imageTooManyPixels(width, height, maxPixels);
  return probe;
}

/**
 * The upload as upright, flattened sRGB of exactly `target` pixels (`upright`
 * is its probed size before scaling), not yet written anywhere: decodeImage
 * reads it as raw pixels, the overlay composites onto it while it streams.
 */
export function uprightPipeline(bytes: Uint8Array, upright: Size, target: Size): sharp.Sharp {
  let pipeline = sharp(bytes, {
    failOn: 'error',
    // Second guard behind the probe (checked against MAX_IMAGE_PIXELS): libvips refuses,
    // before allocating pixels, an image with more of them than its probed header said.
    limitInputPixels: upright.width * upright.height,
  }).rotate();
  if (target.width !== upright.width || target.height !== upright.height) {
    // Explicit size (not fit: 'inside') so callers know it without asking libvips.
    pipeline = pipeline.resize({ width: target.width, height: target.height, fit: 'fill' });
  }
  return pipeline.flatten({ background: '#ffffff' }).toColourspace('srgb');
}
