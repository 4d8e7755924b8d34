/**
 * What the canary analysis and the inference service must agree on: the two
 * tracks, the canary Deployment's name, and the metrics (names and labels) the
 * service exports and the deployer's queries compare.
 */
export const Track = { STABLE: 'stable', CANARY: 'canary' } as const;
export type Track = (typeof Track)[keyof typeof Track];

/** The canary Deployment's name: `<DEPLOYMENT>-canary` (created by infra/k8s at 0 replicas). */
export const canaryDeploymentName = (deployment: string): string => `${deployment}-canary`;

/** The /predict metrics a canary is judged by. */
export const PredictMetric = {
  /** Counter by `outcome` (PredictOutcome). */
  REQUESTS: 'maskops_predict_requests_total',
  /** Histogram of answers that were not refused. */
  ACCEPTED_DURATION: 'maskops_predict_accepted_duration_seconds',
  /** Histogram: instances per successful prediction. */
  INSTANCES: 'maskops_predict_instances',
  /** Histogram: top score per successful prediction, 0 without instances. */
  TOP_SCORE: 'maskops_predict_top_score',
} as const;

/** The labels every PredictMetric series carries, and the requests counter's `outcome`. */
export const MetricLabel = {
  TRACK: 'track',
  BUILD: 'build',
  /** The model's manifest generation (modelGenerationLabel), '' for an unpinned MODEL_PATH. */
  MODEL: 'model',
  OUTCOME: 'outcome',
} as const;

/** Values of the requests counter's `outcome` label. */
export const PredictOutcome = {
  OK: 'ok',
  CLIENT_ERROR: 'client_error',
  SERVER_ERROR: 'server_error',
  /**
   * Any answer carrying Retry-After (overload, queue wait, upload budget, not
   * ready, drain): left out of the canary's error ratio, never the build's fault.
   */
  REFUSED: 'refused',
} as const;
export type PredictOutcome = (typeof PredictOutcome)[keyof typeof PredictOutcome];
