/**
 * The formats /predict accepts, recognised by their magic bytes before sharp
 * sees them. sharp itself also reads GIF, SVG, HEIF, PDF… — formats we refuse,
 * because SVG and PDF are documents that can reference other files and HEIF
 * decoding is a large attack surface we do not need.
 */
export const ImageFormat = { JPEG: 'jpeg', PNG: 'png', TIFF: 'tiff', WEBP: 'webp' } as const;
export type ImageFormat = (typeof ImageFormat)[keyof typeof ImageFormat];

export function sniffImageFormat(bytes: Uint8Array): ImageFormat | undefined {
  const at = (offset: number, ...values: number[]) =>
    values.every((v, i) => bytes[offset + i] === v);
  if (at(0, 0xff, 0xd8, 0xff)) return ImageFormat.JPEG;
  if (at(0, 0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a)) return ImageFormat.PNG;
  // Classic TIFF and BigTIFF, both byte orders.
  if (at(0, 0x49, 0x49, 0x2a, 0x00) || at(0, 0x4d, 0x4d, 0x00, 0x2a)) return ImageFormat.TIFF;
  if (at(0, 0x49, 0x49, 0x2b, 0x00) || at(0, 0x4d, 0x4d, 0x00, 0x2b)) return ImageFormat.TIFF;
  // RIFF <size> WEBP
  if (at(0, 0x52, 0x49, 0x46, 0x46) && at(8, 0x57, 0x45, 0x42, 0x50)) return ImageFormat.WEBP;
  return undefined;
}
