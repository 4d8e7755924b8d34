import type { Env } from '@maskops/shared';
import { ConfigError, integer, number, oneOf, readEach, requireString, url } from '@maskops/shared';

const RolloutStrategy = { ROLLING: 'rolling', CANARY: 'canary' } as const;
type RolloutStrategy = (typeof RolloutStrategy)[keyof typeof RolloutStrategy];

const OnInconclusive = { PROMOTE: 'promote', ABORT: 'abort' } as const;
type OnInconclusive = (typeof OnInconclusive)[keyof typeof OnInconclusive];

/** The verdict's settings (packages/deployer-fn/README.md, "Canary analysis"). */
export interface CanaryThresholds {
  readonly analysisSeconds: number;
  /** Time between looks: the false-abort budget is spent look by look. */
  readonly intervalSeconds: number;
  readonly minRequests: number;
  readonly onInconclusive: OnInconclusive;
  /** The chance an analysis aborts a build no worse than stable (all looks, all metrics). */
  readonly falseAbortRate: number;
  /** Canary answers before a catastrophe (most requests failing, nothing found) aborts. */
  readonly catastropheMinRequests: number;
  /** Tolerances: a significant difference smaller than these does not abort. */
  readonly maxErrorDelta: number;
  readonly maxLatencyRatio: number;
  readonly maxBehaviourShift: number;
  readonly maxScoreShift: number;
}

/** Present only with ROLLOUT_STRATEGY=canary. */
export interface CanaryConfig extends CanaryThresholds {
  readonly weightPercent: number;
  /**
   * Seconds after the canary is ready whose answers the analysis leaves out (only
   * catastrophes are judged meanwhile): a fresh process answers its first requests
   * slower while its code is compiled and its caches fill, which is no fault of the
   * build. The analysis then runs `analysisSeconds` from the end of the warm-up.
   */
  readonly warmupSeconds: number;
  /** Unset: the stable Deployment's progressDeadlineSeconds, read at run time. */
  readonly readyDeadlineSeconds?: number;
  /** The shortest query window: two scrapes, or rate() has nothing to work with. */
  readonly scrapeIntervalSeconds: number;
  readonly prometheusQueryUrl: string;
  readonly cloudTasksEndpoint: string;
  /** projects/P/locations/L/queues/Q */
  readonly tasksQueue: string;
  /** The function's own URL: the tasks' target and the OIDC audience. */
  readonly functionUrl: string;
  readonly tasksServiceAccount: string;
}

const QUEUE =
  /^projects\/[a-z][a-z0-9.:-]{4,61}\/locations\/[a-z0-9-]+\/queues\/[A-Za-z0-9-]{1,100}$/;
const SERVICE_ACCOUNT = /^[a-z0-9-]{6,30}@[a-z0-9.-]+\.gserviceaccount\.com$/;

function matching(env: Env, name: string, pattern: RegExp, what: string): string {
  const v = requireString(env, name);
  if (!pattern.test(v)) throw new ConfigError(name, `must be ${what}, got "${v.slice(0, 100)}"`);
  return v;
}

function requiredUrl(env: Env, name: string): string {
  requireString(env, name);
  return url(env, name, '');
}

/**
 * The canary settings, or undefined for the rolling strategy (today's behaviour).
 * All of them are checked, so every bad one is reported together.
 */
export function readCanaryConfig(env: Env): CanaryConfig | undefined {
  const strategy = oneOf(env, 'ROLLOUT_STRATEGY', Object.values(RolloutStrategy), 'rolling');
  if (strategy === RolloutStrategy.ROLLING) return undefined;
  const { readyDeadlineSeconds, ...settings } = readEach({
    weightPercent: () => integer(env, 'CANARY_WEIGHT_PERCENT', 10, { min: 1, max: 100 }),
    intervalSeconds: () => integer(env, 'CANARY_INTERVAL_SECONDS', 30, { min: 1, max: 3600 }),
    analysisSeconds: () => integer(env, 'CANARY_ANALYSIS_SECONDS', 180, { min: 1, max: 86_400 }),
    warmupSeconds: () => integer(env, 'CANARY_WARMUP_SECONDS', 0, { min: 0, max: 3600 }),
    readyDeadlineSeconds: () =>
      env.CANARY_READY_DEADLINE_SECONDS?.trim()
        ? integer(env, 'CANARY_READY_DEADLINE_SECONDS', 0, { min: 1, max: 86_400 })
        : undefined,
    scrapeIntervalSeconds: () =>
      integer(env, 'PROMETHEUS_SCRAPE_INTERVAL_SECONDS', 15, { min: 1, max: 600 }),
    minRequests: () => integer(env, 'CANARY_MIN_REQUESTS', 50, { min: 0, max: 1_000_000_000 }),
    onInconclusive: () =>
      oneOf(env, 'CANARY_ON_INCONCLUSIVE', Object.values(OnInconclusive), 'promote'),
    falseAbortRate: () => number(env, 'CANARY_FALSE_ABORT_RATE', 0.02, { min: 1e-6, max: 0.5 }),
    catastropheMinRequests: () =>
      integer(env, 'CANARY_CATASTROPHE_MIN_REQUESTS', 5, { min: 1, max: 1_000_000 }),
    maxErrorDelta: () => number(env, 'CANARY_MAX_ERROR_DELTA', 0.01, { min: 0, max: 1 }),
    maxLatencyRatio: () => number(env, 'CANARY_MAX_LATENCY_RATIO', 1.5, { min: 1, max: 1000 }),
    maxBehaviourShift: () => number(env, 'CANARY_MAX_BEHAVIOUR_SHIFT', 0.5, { min: 0, max: 1000 }),
    maxScoreShift: () => number(env, 'CANARY_MAX_SCORE_SHIFT', 0.2, { min: 0, max: 1 }),
    prometheusQueryUrl: () => requiredUrl(env, 'PROMETHEUS_QUERY_URL'),
    cloudTasksEndpoint: () => url(env, 'CLOUD_TASKS_ENDPOINT', 'https://cloudtasks.googleapis.com'),
    tasksQueue: () => matching(env, 'CANARY_TASKS_QUEUE', QUEUE, 'projects/P/locations/L/queues/Q'),
    functionUrl: () => requiredUrl(env, 'FUNCTION_URL'),
    tasksServiceAccount: () =>
      matching(env, 'CANARY_TASKS_SERVICE_ACCOUNT', SERVICE_ACCOUNT, 'a service account email'),
  });
  return { ...settings, ...(readyDeadlineSeconds === undefined ? {} : { readyDeadlineSeconds }) };
}
