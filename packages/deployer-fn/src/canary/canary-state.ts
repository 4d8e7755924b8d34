import type { V1Deployment } from '@kubernetes/client-node';
import { Annotation, CanaryAnnotation } from '@maskops/shared';
import type { Candidate } from '../rollout/candidate';
import type { RolloutTarget } from '../rollout/deployment-patch';
import type { Figures } from './verdict';

export const CanaryPhase = {
  ANALYSING: 'analysing',
  /** The stable Deployment was patched; its rollout is watched by later steps. */
  PROMOTING: 'promoting',
  PROMOTED: 'promoted',
  ABORTED: 'aborted',
  /** Promoted, but the stable rollout failed (rolled back or left, as ROLLBACK_ON_FAILURE says). */
  FAILED: 'failed',
} as const;
export type CanaryPhase = (typeof CanaryPhase)[keyof typeof CanaryPhase];

const TERMINAL: ReadonlySet<CanaryPhase> = new Set(['promoted', 'aborted', 'failed']);
export const isTerminal = (phase: CanaryPhase): boolean => TERMINAL.has(phase);

/** What the watch of the promoted stable rollout needs, and a rollback after it. */
export type Promotion = RolloutTarget & {
  readonly generation: number;
  readonly startedAt: string;
};

export interface CanaryState {
  readonly buildId: string;
  readonly phase: CanaryPhase;
  readonly startedAt: string;
  readonly readyAt?: string;
  readonly step: number;
  readonly candidate: Candidate;
  readonly figures?: Figures;
  readonly promotion?: Promotion;
  readonly finishedAt?: string;
  /** Started by `maskops-replay --in-process --force` at this time: every step deploys with that force. */
  readonly forcedAt?: string;
}

function json<T>(text: string | undefined): T | undefined {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text) as T;
  } catch {
    return undefined;
  }
}

/** The state recorded on the canary Deployment, or undefined if it holds none (or garbage). */
export function readCanaryState(d: V1Deployment): CanaryState | undefined {
  const a = d.metadata?.annotations ?? {};
  const candidate = json<Candidate>(a[CanaryAnnotation.CANDIDATE]);
  const phase = a[CanaryAnnotation.PHASE] as CanaryPhase | undefined;
  const started = a[CanaryAnnotation.STARTED];
  const step = Number(a[CanaryAnnotation.STEP]);
  if (!candidate?.buildId || !phase || !started || !Number.isSafeInteger(step)) return undefined;
  const figures = json<Figures>(a[CanaryAnnotation.FIGURES]);
  const promotion = json<Promotion>(a[CanaryAnnotation.PROMOTION]);
  return {
    buildId: candidate.buildId,
    phase,
    startedAt: started,
    step,
    candidate,
    ...(a[CanaryAnnotation.READY_AT] ? { readyAt: a[CanaryAnnotation.READY_AT] } : {}),
    ...(figures ? { figures } : {}),
    ...(promotion ? { promotion } : {}),
    ...(a[CanaryAnnotation.FINISHED] ? { finishedAt: a[CanaryAnnotation.FINISHED] } : {}),
    ...(a[Annotation.FORCED_BY_REPLAY] ? { forcedAt: a[Annotation.FORCED_BY_REPLAY] } : {}),
  };
}

/** The annotations that record `s` (null removes what the previous build left). */
export function stateAnnotations(s: CanaryState): Record<string, string | null> {
  return {
    [CanaryAnnotation.PHASE]: s.phase,
    [CanaryAnnotation.STARTED]: s.startedAt,
    [CanaryAnnotation.READY_AT]: s.readyAt ?? null,
    [CanaryAnnotation.STEP]: String(s.step),
    [CanaryAnnotation.CANDIDATE]: JSON.stringify(s.candidate),
    // NaN (no data) becomes null in JSON, and reads back as "no data".
    [CanaryAnnotation.FIGURES]: s.figures === undefined ? null : JSON.stringify(s.figures),
    [CanaryAnnotation.PROMOTION]: s.promotion === undefined ? null : JSON.stringify(s.promotion),
    [CanaryAnnotation.FINISHED]: s.finishedAt ?? null,
  };
}
