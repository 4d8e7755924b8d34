/**
 * Pure mask post-processing on typed arrays (no TF.js, no sharp), run in the
 * inference worker: paste or resize each detection's small mask into the image
 * as a MaskRegion (only the pixels it can cover), then encode it as COCO RLE
 * without materialising a full-image mask.
 */
export type { MaskRegion } from './mask-region';
export { trimRegion, regionArea, regionToFullMask } from './mask-region';
export {
  encodeRle,
  encodeRleRegion,
  encodeMaskRegion,
  decodeRle,
  countsToString,
  countsFromString,
  emptyRle,
  rleArea,
  rleToBbox,
  maskIou,
} from './rle';
export { pasteBoxMask } from './paste-box-mask';
export { resizeMaskToBox } from './resize-mask';
