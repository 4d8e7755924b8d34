/** An upright (EXIF-rotated) 8-bit sRGB image, row-major HWC: what decodeImage gives adapters. */
export interface DecodedImage {
  rgb: Uint8Array;
  width: number;
  height: number;
  /**
   * The upload's upright size when it was scaled down on decode (to the
   * adapter's maxInputSide); boxes and masks are reported at this size.
   * Absent: the pixels are the original.
   */
  original?: { width: number; height: number };
}

/** The size results are reported in: the original upload's, not the working pixels'. */
export function originalSize(image: DecodedImage): { width: number; height: number } {
  return image.original ?? { width: image.width, height: image.height };
}
