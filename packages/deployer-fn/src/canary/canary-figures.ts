import { MetricLabel, PredictMetric, PredictOutcome, Track } from '@maskops/shared';
import type { PrometheusClient } from './prometheus-client';
import type { Histogram } from './stats/histogram';
import type { CanaryEvidence, TrackEvidence } from './stats/track-evidence';
import { evidenceSince } from './stats/track-evidence';

const { TRACK, BUILD, MODEL, OUTCOME } = MetricLabel;

/**
 * The labels that confine every query to this install. Managed Service for
 * Prometheus adds `project_id`, `location`, `cluster` and `namespace` to every series
 * and answers queries over the whole metrics scope: without them another namespace or
 * cluster exporting `track="stable"` would enter the verdict.
 */
export interface QueryScope {
  readonly project: string;
  /** The cluster's zone or region (Managed Prometheus's `location`). */
  readonly location: string;
  readonly cluster: string;
  readonly namespace: string;
}

/**
 * What the canary track is pinned to, so a leftover canary pod of another build
 * or model never counts: the build its pods run (absent when unknown: a model
 * canary on an image no build deployed) and the model label ('' matches series
 * without one, as from an unpinned MODEL_PATH).
 */
export interface CanaryPin {
  readonly build?: string;
  readonly model: string;
}

const quote = (v: string): string => `"${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;

/** The label selector of a track in this install (the canary also pinned to its build and model). */
function trackSelector(scope: QueryScope, track: Track, pin: CanaryPin): string {
  const where =
    `project_id=${quote(scope.project)},location=${quote(scope.location)},` +
    `cluster=${quote(scope.cluster)},namespace=${quote(scope.namespace)}`;
  if (track === Track.STABLE) return `${where},${TRACK}="${Track.STABLE}"`;
  const build = pin.build === undefined ? '' : `,${BUILD}=${quote(pin.build)}`;
  return `${where},${TRACK}="${Track.CANARY}"${build},${MODEL}=${quote(pin.model)}`;
}

type Query = { kind: 'value' | 'histogram'; promql: string };

/**
 * The seven instant queries of one track (README, "Canary analysis"). Stable's are
 * increases over the last `w` seconds. The canary's pods started with this analysis, so
 * their counters already hold exactly its evidence: they are read as they are, because
 * increase() would lose each series' first observations and extrapolate every bucket by
 * its own factor, which distorts a young histogram's shape.
 */
function trackQueries(
  selector: string,
  w: number,
  since: 'window' | 'start',
): Record<keyof TrackEvidence, Query> {
  const S = selector;
  const over = (series: string): string =>
    since === 'start' ? series : `increase(${series}[${w}s])`;
  const value = (m: string, extra = ''): Query => ({
    kind: 'value',
    promql: `sum by (${TRACK}) (${over(`${m}{${S}${extra}}`)})`,
  });
  const histogram = (m: string): Query => ({
    kind: 'histogram',
    promql: `sum by (${TRACK}, le) (${over(`${m}_bucket{${S}}`)})`,
  });
  return {
    requests: value(PredictMetric.REQUESTS, `, ${OUTCOME}!="${PredictOutcome.REFUSED}"`),
    errors: value(PredictMetric.REQUESTS, `, ${OUTCOME}="${PredictOutcome.SERVER_ERROR}"`),
    latency: histogram(PredictMetric.ACCEPTED_DURATION),
    instances: histogram(PredictMetric.INSTANCES),
    instancesSum: value(`${PredictMetric.INSTANCES}_sum`),
    topScore: histogram(PredictMetric.TOP_SCORE),
    topScoreSum: value(`${PredictMetric.TOP_SCORE}_sum`),
  };
}

async function trackEvidence(
  prom: PrometheusClient,
  queries: Record<keyof TrackEvidence, Query>,
  time: number,
): Promise<TrackEvidence> {
  const entries = Object.entries(queries);
  const answers = await Promise.all(entries.map(([, q]) => prom.query(q.promql, time)));
  const out: Record<string, number | Histogram | undefined> = {};
  entries.forEach(([name, q], i) => {
    const samples = answers[i] ?? [];
    if (q.kind === 'histogram') {
      const h: Record<string, number> = {};
      for (const s of samples) if (s.metric.le !== undefined) h[s.metric.le] = s.value;
      out[name] = h;
    } else {
      // No series (none appeared yet, or fewer than two samples in the window): nothing counted.
      out[name] = samples.length === 0 ? undefined : samples[0]?.value;
    }
  });
  const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);
  return {
    requests: num(out.requests),
    errors: num(out.errors),
    latency: out.latency as Histogram,
    instances: out.instances as Histogram,
    topScore: out.topScore as Histogram,
    ...(typeof out.instancesSum === 'number' ? { instancesSum: out.instancesSum } : {}),
    ...(typeof out.topScoreSum === 'number' ? { topScoreSum: out.topScoreSum } : {}),
  };
}

/**
 * Both tracks' cumulative evidence over the last `windowSeconds`, every query at the
 * same `time` (unix seconds; default now): queries evaluated at their own moments would
 * straddle a scrape and disagree (a histogram's `_sum` against its buckets). With
 * `canarySince` (unix seconds, the end of a warm-up), the canary's counters are read
 * then too and only what they gained since counts.
 */
export async function readEvidence(
  prom: PrometheusClient,
  scope: QueryScope,
  pin: CanaryPin,
  windowSeconds: number,
  time = Date.now() / 1000,
  canarySince?: number,
): Promise<CanaryEvidence> {
  const stableQueries = trackQueries(
    trackSelector(scope, Track.STABLE, pin),
    windowSeconds,
    'window',
  );
  const canaryQueries = trackQueries(
    trackSelector(scope, Track.CANARY, pin),
    windowSeconds,
    'start',
  );
  const [stable, canary, canaryBase] = await Promise.all([
    trackEvidence(prom, stableQueries, time),
    trackEvidence(prom, canaryQueries, time),
    canarySince === undefined ? undefined : trackEvidence(prom, canaryQueries, canarySince),
  ]);
  return { stable, canary: canaryBase ? evidenceSince(canary, canaryBase) : canary };
}
