/**
 * What other packages import from the deployer (`@maskops/deployer-fn/api`):
 * the canary's verdict, a pure function. `function.ts` is the Cloud Run entry.
 */
export type { Figures, TrackFigures, Verdict } from './canary/verdict';
export { canaryVerdict } from './canary/verdict';
