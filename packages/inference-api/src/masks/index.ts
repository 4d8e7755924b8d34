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
