import type { LogFields, Severity } from '@maskops/shared';
import type { Outcome } from '../outcome';

/** What a canary start or step decided; the caller writes the one log line. */
export interface CanaryDecision {
  readonly outcome: Outcome;
  readonly reason?: string;
  readonly text: string;
  readonly fields?: LogFields;
  /** When the outcome's usual severity understates it (an inconclusive promotion). */
  readonly severity?: Severity;
  readonly previousImage?: string;
}
