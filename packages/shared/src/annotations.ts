/**
 * The annotation and label keys the deployer writes and reads on Kubernetes
 * objects, which infra/k8s, the local demo and the tests read too. The
 * Deployments are the deployer's only state, so these names are a contract.
 */
export const Annotation = {
  CHANGE_CAUSE: 'kubernetes.io/change-cause',
  BUILD_ID: 'maskops.dev/build-id',
  /** Ordering key of the last build processed (normalised RFC 3339). */
  FINISH_TIME: 'maskops.dev/build-finish-time',
  COMMIT_SHA: 'maskops.dev/commit-sha',
  /** The image the container ran before the last deploy, for rollback. */
  PREVIOUS_IMAGE: 'maskops.dev/previous-image',
  ROLLBACK_REASON: 'maskops.dev/rollback-reason',
  /** When set: this deploy was forced by `maskops-replay --in-process --force` at that time. */
  FORCED_BY_REPLAY: 'maskops.dev/forced-by-replay',
  /** The pinned model URI of the last model rollout processed (formatModelUri). */
  MODEL_URI: 'maskops.dev/model-uri',
  /** Its manifest generation: the ordering key of model rollouts of that manifest. */
  MODEL_GENERATION: 'maskops.dev/model-generation',
  /** The container's MODEL_PATH before the last model rollout, for rollback. */
  PREVIOUS_MODEL_PATH: 'maskops.dev/previous-model-path',
} as const;
export type Annotation = (typeof Annotation)[keyof typeof Annotation];

/**
 * Annotations on `<DEPLOYMENT>-canary` that hold the canary's state between
 * steps (the function keeps nothing in memory), and the one on the stable
 * Deployment that records the newest abort.
 */
export const CanaryAnnotation = {
  PHASE: 'maskops.dev/canary-phase',
  STARTED: 'maskops.dev/canary-started',
  READY_AT: 'maskops.dev/canary-ready-at',
  /** The last step that completed; the next task is step + 1. */
  STEP: 'maskops.dev/canary-step',
  FIGURES: 'maskops.dev/canary-figures',
  CANDIDATE: 'maskops.dev/canary-candidate',
  PROMOTION: 'maskops.dev/canary-promotion',
  FINISHED: 'maskops.dev/canary-finished',
  /** On the stable Deployment: JSON {build, finishTime, reason, detail, figures, at}. */
  ABORTED: 'maskops.dev/canary-aborted',
  /** On the stable Deployment: the same record for the newest aborted model canary, plus `model`. */
  ABORTED_MODEL: 'maskops.dev/canary-aborted-model',
} as const;
export type CanaryAnnotation = (typeof CanaryAnnotation)[keyof typeof CanaryAnnotation];

/** The pod label that says which track a pod serves (the Service selects both). */
export const TRACK_LABEL = 'maskops.dev/track';
