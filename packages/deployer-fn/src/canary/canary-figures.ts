import { MetricLabel, PredictMetric, PredictOutcome, Track } from '@maskops/shared';
import type { PrometheusClient } from './prometheus-client';
import type { Figures, TrackFigures } from './verdict';

const { TRACK, BUILD, OUTCOME } = MetricLabel;

const quote = (v: string): string => `"${v.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;

/** The label selector of a track (BRIEF-canary: the canary is also pinned to its build). */
function trackSelector(track: Track, buildId: string): string {
  return track === Track.CANARY
    ? `${TRACK}="${Track.CANARY}",${BUILD}=${quote(buildId)}`
    : `${TRACK}="${Track.STABLE}"`;
}

/** The five instant queries of one track over a window of `w` seconds (packages/deployer-fn/README.md, canary section). */
function trackQueries(selector: string, w: number): Record<keyof TrackFigures, string> {
  const S = selector;
  const mean = (m: string): string =>
    `sum by (${TRACK}) (rate(${m}_sum{${S}}[${w}s])) / sum by (${TRACK}) (rate(${m}_count{${S}}[${w}s]))`;
  const requests = PredictMetric.REQUESTS;
  return {
    requests: `sum by (${TRACK}) (increase(${requests}{${S}, ${OUTCOME}!="${PredictOutcome.REFUSED}"}[${w}s]))`,
    errors: `sum by (${TRACK}) (increase(${requests}{${S}, ${OUTCOME}="${PredictOutcome.SERVER_ERROR}"}[${w}s]))`,
    p95Seconds: `histogram_quantile(0.95, sum by (${TRACK}, le) (rate(${PredictMetric.ACCEPTED_DURATION}_bucket{${S}}[${w}s])))`,
    meanInstances: mean(PredictMetric.INSTANCES),
    meanTopScore: mean(PredictMetric.TOP_SCORE),
  };
}

async function trackFigures(prom: PrometheusClient, selector: string, w: number) {
  const queries = Object.entries(trackQueries(selector, w));
  const values = await Promise.all(
    queries.map(async ([, q]) => {
      const samples = await prom.query(q);
      // One series per track by construction; none means no data (not zero).
      return samples.length === 0 ? NaN : samples[0].value;
    }),
  );
  const figures: Record<string, number> = {};
  queries.forEach(([name], i) => (figures[name] = values[i]!));
  // No errors counted while requests were: the error series has not appeared yet.
  if (Number.isNaN(figures.errors) && (figures.requests ?? 0) > 0) figures.errors = 0;
  return figures as TrackFigures;
}

/** Both tracks' figures over the last `windowSeconds`. */
export async function readFigures(
  prom: PrometheusClient,
  buildId: string,
  windowSeconds: number,
): Promise<Figures> {
  const [stable, canary] = await Promise.all([
    trackFigures(prom, trackSelector(Track.STABLE, buildId), windowSeconds),
    trackFigures(prom, trackSelector(Track.CANARY, buildId), windowSeconds),
  ]);
  return { stable, canary };
}
