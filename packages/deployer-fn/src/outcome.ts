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
};
