/**
 * The part of Matterport's `mrcnn/config.py Config` that inference needs to
 * build the model inputs and unmold its outputs. Defaults are Matterport's COCO
 * config (`samples/coco/coco.py CocoConfig`); a JSON file next to the model can
 * override any of them. Keys this module does not know (Matterport's training
 * settings such as LEARNING_RATE) are ignored, so a dump of a full Python
 * config can be used as is.
 */
import type { InferenceApiError } from '../../errors';
import { modelInvalid } from '../../errors';

export const ResizeMode = { SQUARE: 'square', PAD64: 'pad64', NONE: 'none' } as const;
export type ResizeMode = (typeof ResizeMode)[keyof typeof ResizeMode];

export interface MatterportConfig {
  IMAGE_MIN_DIM: number;
  IMAGE_MAX_DIM: number;
  IMAGE_MIN_SCALE: number;
  IMAGE_RESIZE_MODE: ResizeMode;
  MEAN_PIXEL: readonly number[];
  BACKBONE_STRIDES: readonly number[];
  RPN_ANCHOR_SCALES: readonly number[];
  RPN_ANCHOR_RATIOS: readonly number[];
  RPN_ANCHOR_STRIDE: number;
  NUM_CLASSES: number;
  DETECTION_MIN_CONFIDENCE: number;
  DETECTION_MAX_INSTANCES: number;
  MASK_SHAPE: readonly [number, number];
  IMAGE_CHANNEL_COUNT: number;
}

export const defaultMatterportConfig: Readonly<MatterportConfig> = Object.freeze({
  IMAGE_MIN_DIM: 800,
  IMAGE_MAX_DIM: 1024,
  IMAGE_MIN_SCALE: 0,
  IMAGE_RESIZE_MODE: ResizeMode.SQUARE,
  MEAN_PIXEL: Object.freeze([123.7, 116.8, 103.9]),
  BACKBONE_STRIDES: Object.freeze([4, 8, 16, 32, 64]),
  RPN_ANCHOR_SCALES: Object.freeze([32, 64, 128, 256, 512]),
  RPN_ANCHOR_RATIOS: Object.freeze([0.5, 1, 2]),
  RPN_ANCHOR_STRIDE: 1,
  NUM_CLASSES: 81,
  DETECTION_MIN_CONFIDENCE: 0.7,
  DETECTION_MAX_INSTANCES: 100,
  MASK_SHAPE: Object.freeze<[number, number]>([28, 28]),
  IMAGE_CHANNEL_COUNT: 3,
});

function invalid(key: string, message: string, value: unknown): InferenceApiError {
  return modelInvalid(`Matterport config ${key}: ${message}`, {
    details: { key, value },
  });
}

type Check = (v: unknown) => string | null;
const positiveInt: Check = (v) =>
  Number.isSafeInteger(v) && (v as number) > 0 ? null : 'must be a positive integer';
const nonNegativeInt: Check = (v) =>
  Number.isSafeInteger(v) && (v as number) >= 0 ? null : 'must be an integer ≥ 0';
const nonNegative: Check = (v) =>
  typeof v === 'number' && Number.isFinite(v) && v >= 0 ? null : 'must be a number ≥ 0';
const unit: Check = (v) =>
  typeof v === 'number' && v >= 0 && v <= 1 ? null : 'must be a number in [0, 1]';
const resizeMode: Check = (v) =>
  (Object.values(ResizeMode) as unknown[]).includes(v)
    ? null
    : `must be one of ${Object.values(ResizeMode).join(', ')} (crop is for training only)`;
function listOf(item: Check, what: string, length?: number): Check {
  return (v) => {
    if (!Array.isArray(v) || v.length === 0) return `must be a non-empty array of ${what}`;
    if (length !== undefined && v.length !== length) return `must have ${length} items`;
    return v.every((x) => item(x) === null) ? null : `must be an array of ${what}`;
  };
}
const positive: Check = (v) =>
  typeof v === 'number' && Number.isFinite(v) && v > 0 ? null : 'must be a positive number';
const finite: Check = (v) =>
  typeof v === 'number' && Number.isFinite(v) ? null : 'must be a finite number';

const checks: Record<keyof MatterportConfig, Check> = {
  IMAGE_MIN_DIM: nonNegativeInt,
  IMAGE_MAX_DIM: nonNegativeInt,
  IMAGE_MIN_SCALE: nonNegative,
  IMAGE_RESIZE_MODE: resizeMode,
  MEAN_PIXEL: listOf(finite, 'numbers'),
  BACKBONE_STRIDES: listOf(positiveInt, 'positive integers'),
  RPN_ANCHOR_SCALES: listOf(positive, 'positive numbers'),
  RPN_ANCHOR_RATIOS: listOf(positive, 'positive numbers'),
  RPN_ANCHOR_STRIDE: positiveInt,
  NUM_CLASSES: positiveInt,
  DETECTION_MIN_CONFIDENCE: unit,
  DETECTION_MAX_INSTANCES: positiveInt,
  MASK_SHAPE: listOf(positiveInt, 'positive integers', 2),
  IMAGE_CHANNEL_COUNT: positiveInt,
};

/**
 * Defaults overlaid with `overrides` (parsed JSON; undefined/null = none).
 * Throws MODEL_INVALID naming the first bad key, including rules Matterport
 * itself enforces (square images a multiple of 64, one anchor scale per level).
 */
export function mergeMatterportConfig(overrides: unknown): MatterportConfig {
  if (overrides === undefined || overrides === null) return { ...defaultMatterportConfig };
  if (typeof overrides !== 'object' || Array.isArray(overrides)) {
    throw invalid('(root)', 'must be a JSON object', overrides);
  }
  const merged: Record<string, unknown> = { ...defaultMatterportConfig };
  for (const [key, value] of Object.entries(overrides as Record<string, unknown>)) {
    if (!Object.hasOwn(checks, key)) continue;
    const problem = checks[key as keyof MatterportConfig](value);
    if (problem !== null) throw invalid(key, problem, value);
    merged[key] = Array.isArray(value) ? Object.freeze([...(value as unknown[])]) : value;
  }
  const config = merged as unknown as MatterportConfig;
  if (config.MEAN_PIXEL.length !== config.IMAGE_CHANNEL_COUNT) {
    throw invalid('MEAN_PIXEL', 'must have IMAGE_CHANNEL_COUNT items', config.MEAN_PIXEL);
  }
  if (config.RPN_ANCHOR_SCALES.length !== config.BACKBONE_STRIDES.length) {
    throw invalid(
      'RPN_ANCHOR_SCALES',
      'must have one scale per BACKBONE_STRIDES level',
      config.RPN_ANCHOR_SCALES,
    );
  }
  if (config.IMAGE_RESIZE_MODE === ResizeMode.SQUARE) {
    // Matterport refuses these at model build: the FPN halves the image 6 times.
    if (config.IMAGE_MAX_DIM === 0 || config.IMAGE_MAX_DIM % 64 !== 0) {
      throw invalid('IMAGE_MAX_DIM', 'must be a positive multiple of 64', config.IMAGE_MAX_DIM);
    }
  }
  if (config.IMAGE_RESIZE_MODE === ResizeMode.PAD64 && config.IMAGE_MIN_DIM % 64 !== 0) {
    throw invalid('IMAGE_MIN_DIM', 'must be a multiple of 64 in pad64 mode', config.IMAGE_MIN_DIM);
  }
  if (config.NUM_CLASSES < 2) {
    throw invalid('NUM_CLASSES', 'must count the background and at least one class', 1);
  }
  return config;
}
