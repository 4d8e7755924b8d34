/** Annotations the deployer reads and writes; the Deployment is its only state. */
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
} as const;
export type Annotation = (typeof Annotation)[keyof typeof Annotation];
