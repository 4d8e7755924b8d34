import { integer, readEach, type Env } from '@maskops/shared';
import {
  DEFAULT_MAX_INPUT_SIDE,
  DEFAULT_MAX_INSTANCES,
  DEFAULT_MAX_OVERLAY_SIDE,
} from '../images/limits';
import { MiB } from './readers';

/** How large an upload, its pixels and the answer about it may be. */
export interface ImageLimitsConfig {
  /** Largest accepted upload (raw body or the multipart `image` file); larger → 413. */
  maxImageBytes: number;
  /** Largest width×height, read from the header before any pixel is decoded; larger → 422. */
  maxImagePixels: number;
  /**
   * Longest side a tf-od-api model is fed (maskops.json `maxInputSide` overrides it per
   * model; Matterport uses IMAGE_MAX_DIM): larger images are scaled down on decode.
   */
  maxInputSide: number;
  /** Longest side of a `format=png` overlay; larger ones are drawn scaled (X-Overlay-Scale). */
  maxOverlaySide: number;
  /** Most instances in one answer (the highest scores kept; the answer says it truncated). */
  maxInstances: number;
}

export function maxImageBytes(env: Env): number {
  return integer(env, 'MAX_IMAGE_BYTES', 20 * MiB, { min: 1 });
}

/** MAX_IMAGE_BYTES, MAX_IMAGE_PIXELS, MAX_INPUT_SIDE, MAX_OVERLAY_SIDE, MAX_INSTANCES. */
export function readImageLimitsConfig(env: Env): ImageLimitsConfig {
  return readEach({
    maxImageBytes: () => maxImageBytes(env),
    maxImagePixels: () => integer(env, 'MAX_IMAGE_PIXELS', 40_000_000, { min: 1 }),
    maxInputSide: () => integer(env, 'MAX_INPUT_SIDE', DEFAULT_MAX_INPUT_SIDE, { min: 1 }),
    maxOverlaySide: () => integer(env, 'MAX_OVERLAY_SIDE', DEFAULT_MAX_OVERLAY_SIDE, { min: 1 }),
    maxInstances: () =>
      integer(env, 'MAX_INSTANCES', DEFAULT_MAX_INSTANCES, { min: 1, max: 10_000 }),
  });
}
