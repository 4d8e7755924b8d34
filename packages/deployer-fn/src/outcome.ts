import type { Severity } from '@maskops/shared';

/** What one message led to; one log line per outcome. */
export const Outcome = {
  /** Patched and the rollout completed. */
  DEPLOYED: 'deployed',
  /** Patched; ROLLOUT_TIMEOUT_SECONDS=0 so the rollout was not watched. */
  PATCHED: 'patched',
  ALREADY_DEPLOYED: 'already-deployed',
  /** A build older than the deployed one. */
  STALE: 'stale',
  /** Not a deployable message (status, action, repository, malformed …). */
  IGNORED: 'ignored',
  /** The rollout failed and the previous image was restored. */
  ROLLED_BACK: 'rolled-back',
  /** The rollout failed and was left as is (no rollback, or rollback impossible). */
  ROLLOUT_FAILED: 'rollout-failed',
  /** Someone else changed the image while we watched our rollout; left alone. */
  SUPERSEDED: 'superseded',
  /** A permanent error (misconfiguration, missing Deployment …): acknowledged. */
  REJECTED: 'rejected',
  /** A transient error: the invocation fails so Pub/Sub redelivers. */
  RETRY: 'retry',
  /** Dry run: the patch that would be sent. */
  DRY_RUN: 'dry-run',
  /** Canary: the canary Deployment runs the build; step 1 is scheduled. */
  CANARY_STARTED: 'canary-started',
  /** Canary: this build's canary is already running (a redelivery); its next step is ensured. */
  CANARY_RUNNING: 'canary-running',
  /** Canary: a step that found no breach (or a canary not ready yet); the next step is scheduled. */
  CANARY_CONTINUE: 'canary-continue',
  /** Canary: promoted; the stable rollout is watched by the next steps. */
  CANARY_PROMOTING: 'canary-promoting',
  /** Canary: aborted; the stable Deployment was never touched. */
  CANARY_ABORTED: 'canary-aborted',
  /** Canary: a delivery of a build whose canary was aborted; nothing analysed again. */
  ALREADY_ABORTED: 'already-aborted',
  /** Canary: a step with nothing to do (duplicate, superseded build, finished canary). */
  CANARY_STEP_SKIPPED: 'canary-step-skipped',
} as const;
export type Outcome = (typeof Outcome)[keyof typeof Outcome];

export const OUTCOME_SEVERITY: Record<Outcome, Severity> = {
  deployed: 'NOTICE',
  patched: 'NOTICE',
  'already-deployed': 'INFO',
  stale: 'INFO',
  ignored: 'INFO',
  'rolled-back': 'ERROR',
  'rollout-failed': 'ERROR',
  superseded: 'WARNING',
  rejected: 'ERROR',
  retry: 'WARNING',
  'dry-run': 'INFO',
  'canary-started': 'NOTICE',
  'canary-running': 'INFO',
  'canary-continue': 'INFO',
  'canary-promoting': 'NOTICE',
  'canary-aborted': 'ERROR',
  'already-aborted': 'INFO',
  'canary-step-skipped': 'INFO',
};
