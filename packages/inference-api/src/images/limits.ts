/**
 * Defaults of the resolution caps (the settings table of packages/inference-api/README.md), shared
 * by config/images.ts and the model check of `maskops-model push`.
 */

/** MAX_INPUT_SIDE: the longest side fed to a tf-od-api model; larger images shrink on decode. */
export const DEFAULT_MAX_INPUT_SIDE = 1333;

/** MAX_OVERLAY_SIDE: the longest side of a `format=png` overlay; larger ones are drawn scaled down. */
export const DEFAULT_MAX_OVERLAY_SIDE = 4096;

/** MAX_INSTANCES: the most instances one answer holds (highest scores kept). */
export const DEFAULT_MAX_INSTANCES = 100;
