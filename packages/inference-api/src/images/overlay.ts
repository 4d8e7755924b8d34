import sharp from 'sharp';
import type { Instance } from '../inference/types';
import type { Size } from './overlay-layers';
import { overlayLayers } from './overlay-layers';

/**
 * The image with each instance's mask tinted in its colour, its box outlined and
 * a "label 0.97" tag, as PNG bytes. `rgb` (width×height) is read, never written.
 * `source` is the size the instances' boxes and masks are in when `rgb` is a
 * scaled-down copy (default: width×height).
 */
export async function renderOverlay(
  rgb: Uint8Array,
  width: number,
  height: number,
  instances: readonly Instance[],
  source: Size = { width, height },
): Promise<Uint8Array> {
  const view = rgb.subarray(0, width * height * 3);
  const base = sharp(Buffer.from(view.buffer, view.byteOffset, view.byteLength), {
    raw: { width, height, channels: 3 },
  });
  return drawOverlay(base, { width, height }, instances, source);
}

/**
 * The same from any sharp pipeline that yields `target`-sized sRGB, e.g. the
 * upload decoded straight to MAX_OVERLAY_SIDE: libvips then streams decode,
 * composite and PNG encoding, so the overlay raster never exists whole.
 */
export async function drawOverlay(
  base: sharp.Sharp,
  target: Size,
  instances: readonly Instance[],
  source: Size = target,
): Promise<Uint8Array> {
  const image =
    instances.length > 0 ? base.composite(overlayLayers(target, source, instances)) : base;
  const png = await image.png({ compressionLevel: 6 }).toBuffer();
  return new Uint8Array(png.buffer, png.byteOffset, png.byteLength);
}
