/** The stages of a prediction, as the `stage` label of maskops_stage_duration_seconds. */
export const Stage = {
  DECODE: 'decode',
  PREPROCESS: 'preprocess',
  INFER: 'infer',
  POSTPROCESS: 'postprocess',
  QUEUE_WAIT: 'queue_wait',
} as const;
export type Stage = (typeof Stage)[keyof typeof Stage];
