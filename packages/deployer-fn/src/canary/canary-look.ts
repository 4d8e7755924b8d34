import type { CanaryConfig } from './canary-config';
import type { CanaryPin, QueryScope } from './canary-figures';
import { readEvidence } from './canary-figures';
import type { PrometheusClient } from './prometheus-client';
import type { Verdict } from './verdict';
import { canaryVerdict, warmupVerdict } from './verdict';

/** What one look at the canary found, and over which span. */
export interface Look {
  readonly verdict: Verdict;
  /** Seconds since the canary became ready. */
  readonly sinceReady: number;
  /** True while CANARY_WARMUP_SECONDS lasts: only catastrophes were judged. */
  readonly warming: boolean;
  /** Seconds of analysis so far (0 while warming up). */
  readonly elapsed: number;
  /** Stable's query window. */
  readonly windowSeconds: number;
}

type LookSettings = Pick<CanaryConfig, 'warmupSeconds' | 'scrapeIntervalSeconds'> &
  Parameters<typeof canaryVerdict>[2];

/**
 * One look of the analysis at `nowSeconds` (unix) for a canary ready since
 * `readyAtSeconds`: the queries, then the verdict (packages/deployer-fn/README.md,
 * "Canary analysis"). The analysis begins when the warm-up ends; during the warm-up
 * only catastrophes are judged, on everything since the canary became ready. The
 * state machine's step and the simulator bench both look through this.
 */
export async function canaryLook(
  prom: PrometheusClient,
  scope: QueryScope,
  pin: CanaryPin,
  at: { readyAtSeconds: number; nowSeconds: number },
  settings: LookSettings,
): Promise<Look> {
  const sinceReady = at.nowSeconds - at.readyAtSeconds;
  const { warmupSeconds, scrapeIntervalSeconds } = settings;
  const warming = sinceReady < warmupSeconds;
  const elapsed = Math.max(0, sinceReady - warmupSeconds);
  // rate() needs two scrapes inside the window; early looks reach a little back.
  const span = warming ? sinceReady : elapsed;
  const windowSeconds = Math.max(Math.ceil(span), 2 * scrapeIntervalSeconds);
  const canarySince =
    warming || warmupSeconds === 0 ? undefined : at.readyAtSeconds + warmupSeconds;
  const evidence = await readEvidence(prom, scope, pin, windowSeconds, at.nowSeconds, canarySince);
  const verdict = warming
    ? warmupVerdict(evidence, settings)
    : canaryVerdict(evidence, elapsed, settings);
  return { verdict, sinceReady, warming, elapsed, windowSeconds };
}
