/**
 * Matterport `compose_image_meta` / `parse_image_meta`: the `input_image_meta`
 * vector the inference graph reads the window (to clip detections) and the
 * image shape (to normalize) from. Layout, 12 + NUM_CLASSES floats:
 *   [0] image id · [1..3] original shape h,w,c · [4..6] molded shape h,w,c ·
 *   [7..10] window y1,x1,y2,x2 (pixels of the molded image) · [11] scale ·
 *   [12..] active class ids (all 0 at inference).
 */
import type { Window } from './resize';
import { internal } from '../../errors';

type Shape3 = [height: number, width: number, channels: number];

export interface ImageMeta {
  imageId: number;
  originalImageShape: Shape3;
  imageShape: Shape3;
  window: Window;
  scale: number;
  activeClassIds: number[];
}

const IMAGE_META_FIXED_LENGTH = 12;

export function composeImageMeta(
  imageId: number,
  originalShape: readonly [number, number, number],
  imageShape: readonly [number, number, number],
  window: readonly [number, number, number, number],
  scale: number,
  activeClassIds: readonly number[],
): Float32Array {
  const meta = new Float32Array(IMAGE_META_FIXED_LENGTH + activeClassIds.length);
  meta[0] = imageId;
  meta.set(originalShape, 1);
  meta.set(imageShape, 4);
  meta.set(window, 7);
  meta[11] = scale;
  meta.set(activeClassIds, IMAGE_META_FIXED_LENGTH);
  return meta;
}

export function parseImageMeta(meta: ArrayLike<number>): ImageMeta {
  if (meta.length < IMAGE_META_FIXED_LENGTH) {
    throw internal(`image meta has ${meta.length} values, needs ≥ 12`);
  }
  const at = (i: number): number => meta[i];
  return {
    imageId: at(0),
    originalImageShape: [at(1), at(2), at(3)],
    imageShape: [at(4), at(5), at(6)],
    window: [at(7), at(8), at(9), at(10)],
    scale: at(11),
    activeClassIds: Array.from({ length: meta.length - IMAGE_META_FIXED_LENGTH }, (_, i) =>
      at(IMAGE_META_FIXED_LENGTH + i),
    ),
  };
}
