/**
 * Matterport `MaskRCNN.unmold_detections`: turn `mrcnn_detection` and
 * `mrcnn_mask` of one image into instances in ORIGINAL image pixels.
 *
 * Steps as Matterport takes them, with its number types (float32 where numpy
 * works on float32 arrays, float64 where numpy promotes):
 * 1. detections are zero-padded: stop at the first class id 0;
 * 2. normalize the window (norm_boxes, float32), then map each box from
 *    molded-image coordinates onto the window in float32: (box − shift) / size;
 * 3. denorm_boxes to the original image: round-half-even(box·(dim−1) + shift)
 *    in float64;
 * 4. drop boxes with no area;
 * 5. resize that class's mask channel into the box and threshold ≥ 0.5
 *    (unmold_mask, see masks/resize-mask.ts).
 */
import type { MaskRegion } from '../../masks/mask-region';
import { resizeMaskToBox } from '../../masks/resize-mask';
import { denormBox, normBox } from './resize';
import { inferenceFailed } from '../../errors';

export interface UnmoldedInstance {
  classId: number;
  score: number;
  /** [y1, x1, y2, x2] integer pixels of the original image, y2/x2 exclusive. */
  box: [number, number, number, number];
  /**
   * Set pixels, clipped to the image. An instance whose mask thresholds to
   * nothing keeps a zero-size region at its box corner (Matterport keeps such
   * instances too); `encodeRleRegion` turns it into an all-zero RLE.
   */
  mask: MaskRegion;
}

const f32 = Math.fround;

/**
 * @param detections [N, 6] y1, x1, y2, x2 (normalized to the molded image), class id, score
 * @param masks [N, maskHeight, maskWidth, numClasses] sigmoid mask per class
 * @param n rows of `detections` to look at (the graph's DETECTION_MAX_INSTANCES)
 * @param window where the image lies in the molded image, pixels (y2, x2 exclusive)
 */
export function unmoldDetections(
  detections: Float32Array,
  masks: Float32Array,
  n: number,
  maskHeight: number,
  maskWidth: number,
  numClasses: number,
  originalShape: readonly [number, number],
  imageShape: readonly [number, number],
  window: readonly [number, number, number, number],
): UnmoldedInstance[] {
  const mask = { masks, maskHeight, maskWidth, numClasses, originalShape };
  const { rows } = unmoldBoxes(detections, n, numClasses, originalShape, imageShape, window);
  return rows.map((row) => ({
    classId: row.classId,
    score: row.score,
    box: row.box,
    mask: unmoldMask(mask, row),
  }));
}

/** One detection row after steps 1–4: no mask yet. */
export interface UnmoldedRow {
  row: number;
  classId: number;
  score: number;
  /** [y1, x1, y2, x2] as in UnmoldedInstance; NaN when the model's box was not finite. */
  box: [number, number, number, number];
}

/**
 * Steps 1–4 for every row: boxes only, so the caller can drop and cap rows
 * (adapters/detections.ts) before any mask is resized. Rows whose class id
 * has no mask channel cannot be unmolded and are counted in `invalid`.
 */
export function unmoldBoxes(
  detections: Float32Array,
  n: number,
  numClasses: number,
  originalShape: readonly [number, number],
  imageShape: readonly [number, number],
  window: readonly [number, number, number, number],
): { rows: UnmoldedRow[]; invalid: number } {
  if (detections.length < n * 6) {
    throw inferenceFailed('Matterport outputs are smaller than expected', {
      details: { n, detections: detections.length },
    });
  }
  const [origH, origW] = originalShape;
  const [wy1, wx1, wy2, wx2] = normBox(window, imageShape[0], imageShape[1]);
  const wh = f32(wy2 - wy1);
  const ww = f32(wx2 - wx1);
  const rows: UnmoldedRow[] = [];
  let invalid = 0;

  for (let i = 0; i < n; i++) {
    const row = i * 6;
    const rawClass = detections[row + 4];
    if (rawClass === 0) break;
    const classId = Math.trunc(rawClass); // astype(np.int32)
    if (!(classId > 0 && classId < numClasses)) {
      invalid += 1;
      continue;
    }
    const onWindow = [
      f32(f32(detections[row] - wy1) / wh),
      f32(f32(detections[row + 1] - wx1) / ww),
      f32(f32(detections[row + 2] - wy1) / wh),
      f32(f32(detections[row + 3] - wx1) / ww),
    ];
    const box = denormBox(onWindow, origH, origW);
    // Matterport drops area ≤ 0; a box inverted on both axes has positive
    // "area" there but then fails to resize, so it is dropped here too. (NaN
    // compares false: such a row stays, for the caller to count and drop.)
    if (box[2] <= box[0] || box[3] <= box[1]) continue;
    rows.push({ row: i, classId, score: detections[row + 5], box });
  }
  return { rows, invalid };
}

export interface MaskOutputs {
  masks: Float32Array;
  maskHeight: number;
  maskWidth: number;
  numClasses: number;
  originalShape: readonly [number, number];
}

/** Step 5 for one kept row: its class's mask channel resized into its (finite) box. */
export function unmoldMask(
  { masks, maskHeight, maskWidth, numClasses, originalShape }: MaskOutputs,
  { row, classId, box }: Pick<UnmoldedRow, 'row' | 'classId' | 'box'>,
): MaskRegion {
  const maskSize = maskHeight * maskWidth;
  if (masks.length < (row + 1) * maskSize * numClasses) {
    throw inferenceFailed('Matterport outputs are smaller than expected', {
      details: { row, masks: masks.length },
    });
  }
  const [origH, origW] = originalShape;
  // mrcnn_mask[i, :, :, classId], de-interleaved from the channels-last layout.
  const channel = new Float32Array(maskSize);
  const base = row * maskSize * numClasses + classId;
  for (let p = 0; p < maskSize; p++) channel[p] = masks[base + p * numClasses];
  const region = resizeMaskToBox(
    channel,
    maskHeight,
    maskWidth,
    box[0],
    box[1],
    box[2],
    box[3],
    origH,
    origW,
  );
  return (
    region ?? {
      top: Math.min(Math.max(box[0], 0), origH),
      left: Math.min(Math.max(box[1], 0), origW),
      height: 0,
      width: 0,
      data: new Uint8Array(0),
    }
  );
}
