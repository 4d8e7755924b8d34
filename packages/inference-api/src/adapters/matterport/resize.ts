/**
 * Geometry of Matterport `utils.resize_image` and its box conversions
 * (`norm_boxes`, `denorm_boxes`), computed without touching pixels: the
 * adapter resizes with TF.js/sharp, but sizes, window and padding must be the
 * numbers Matterport would use or the model sees a shifted image.
 */
import type { MatterportConfig } from './config';
import { ResizeMode } from './config';
import { internal, modelInvalid } from '../../errors';

export type Window = [y1: number, x1: number, y2: number, x2: number];

export interface ResizePlan {
  scale: number;
  /** Size after resizing, before padding. */
  outHeight: number;
  outWidth: number;
  /** Where the image lies inside the padded input (y2, x2 exclusive). */
  window: Window;
  padding: [[top: number, bottom: number], [left: number, right: number], [0, 0]];
  paddedHeight: number;
  paddedWidth: number;
}

/**
 * Python 3 `round()` / numpy `around`: ties go to the even integer. Matterport
 * rounds sizes with it, so 2.5 → 2, not 3 as Math.round would give.
 */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

function padTo64(size: number): [number, number] {
  if (size % 64 === 0) return [0, 0];
  const total = size - (size % 64) + 64 - size;
  const before = Math.floor(total / 2);
  return [before, total - before];
}

export function computeResize(
  height: number,
  width: number,
  config: Pick<
    MatterportConfig,
    'IMAGE_MIN_DIM' | 'IMAGE_MAX_DIM' | 'IMAGE_MIN_SCALE' | 'IMAGE_RESIZE_MODE'
  >,
): ResizePlan {
  if (!Number.isSafeInteger(height) || !Number.isSafeInteger(width) || height < 1 || width < 1) {
    throw internal(`invalid image size ${height}×${width}`);
  }
  const mode = config.IMAGE_RESIZE_MODE;
  if (mode === ResizeMode.NONE) {
    return {
      scale: 1,
      outHeight: height,
      outWidth: width,
      window: [0, 0, height, width],
      padding: [
        [0, 0],
        [0, 0],
        [0, 0],
      ],
      paddedHeight: height,
      paddedWidth: width,
    };
  }
  if (mode !== ResizeMode.SQUARE && mode !== ResizeMode.PAD64) {
    throw modelInvalid(`unsupported IMAGE_RESIZE_MODE ${String(mode)}`);
  }
  const minDim = config.IMAGE_MIN_DIM;
  const maxDim = config.IMAGE_MAX_DIM;
  let scale = 1;
  // Scale up (never down) so the short side reaches IMAGE_MIN_DIM...
  if (minDim) scale = Math.max(1, minDim / Math.min(height, width));
  if (config.IMAGE_MIN_SCALE && scale < config.IMAGE_MIN_SCALE) scale = config.IMAGE_MIN_SCALE;
  // ...unless that pushes the long side past IMAGE_MAX_DIM (square mode only).
  if (maxDim && mode === ResizeMode.SQUARE) {
    const imageMax = Math.max(height, width);
    if (roundHalfEven(imageMax * scale) > maxDim) scale = maxDim / imageMax;
  }
  const outHeight = scale !== 1 ? roundHalfEven(height * scale) : height;
  const outWidth = scale !== 1 ? roundHalfEven(width * scale) : width;

  let vertical: [number, number];
  let horizontal: [number, number];
  if (mode === ResizeMode.SQUARE) {
    const top = Math.floor((maxDim - outHeight) / 2);
    const left = Math.floor((maxDim - outWidth) / 2);
    vertical = [top, maxDim - outHeight - top];
    horizontal = [left, maxDim - outWidth - left];
  } else {
    if (minDim % 64 !== 0) {
      throw modelInvalid('pad64 mode needs IMAGE_MIN_DIM % 64 == 0');
    }
    vertical = padTo64(outHeight);
    horizontal = padTo64(outWidth);
  }
  return {
    scale,
    outHeight,
    outWidth,
    window: [vertical[0], horizontal[0], outHeight + vertical[0], outWidth + horizontal[0]],
    padding: [vertical, horizontal, [0, 0]],
    paddedHeight: outHeight + vertical[0] + vertical[1],
    paddedWidth: outWidth + horizontal[0] + horizontal[1],
  };
}

/**
 * `norm_boxes`: pixel (y2, x2 exclusive) → normalized, where 0 and 1 are the
 * centres of the first and last pixel: (box − [0,0,1,1]) / [h−1,w−1,h−1,w−1],
 * computed in float64 and stored as float32 like Matterport's astype(float32).
 */
export function normBox(box: readonly number[], height: number, width: number): Float32Array {
  return Float32Array.of(
    box[0] / (height - 1),
    box[1] / (width - 1),
    (box[2] - 1) / (height - 1),
    (box[3] - 1) / (width - 1),
  );
}

/** `denorm_boxes`: normalized → integer pixels, round(box·scale + shift), ties to even. */
export function denormBox(
  box: ArrayLike<number>,
  height: number,
  width: number,
): [number, number, number, number] {
  return [
    roundHalfEven(box[0] * (height - 1)),
    roundHalfEven(box[1] * (width - 1)),
    roundHalfEven(box[2] * (height - 1) + 1),
    roundHalfEven(box[3] * (width - 1) + 1),
  ];
}
