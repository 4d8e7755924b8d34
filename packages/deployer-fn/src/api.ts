/**
 * What other packages import from the deployer (`@maskops/deployer-fn/api`):
 * the canary's verdict, a pure function over per-track counts and histograms, and
 * the queries that read them (the canary simulator drives both). `function.ts` is
 * the Cloud Run entry.
 */
export type {
  CanaryEvidence,
  Figures,
  Histogram,
  TestResult,
  TrackEvidence,
  TrackFigures,
  Verdict,
  VerdictSettings,
} from './canary/verdict';
export { AbortReason, canaryVerdict } from './canary/verdict';
export type { CanaryPin, QueryScope } from './canary/canary-figures';
export { readEvidence } from './canary/canary-figures';
export type { Look } from './canary/canary-look';
export { canaryLook } from './canary/canary-look';
export type { PrometheusClient } from './canary/prometheus-client';
export { readCanaryConfig } from './canary/canary-config';
