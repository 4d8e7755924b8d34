import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

/** How the simulated pods of one track behave (changeable between steps). */
export interface TrackBehaviour {
  build: string;
  /** The `model` label (a manifest generation); none when unset, like an unpinned MODEL_PATH. */
  model?: string;
  /** /predict answers per second that are not refusals. */
  rps: number;
  /** Share of them that are 5xx without Retry-After. */
  errorShare: number;
  latencySeconds: number;
  instancesPerImage: number;
  topScore: number;
}

export interface TrackMetrics {
  url: string;
  behaviour: TrackBehaviour;
  close(): Promise<void>;
}

const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
const INSTANCE_BUCKETS = [0, 1, 2, 3, 4, 5, 6, 8, 10];
const SCORE_BUCKETS = [0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1];

/**
 * A loopback /metrics of one track, in the shape inference-api exports
 * (BRIEF-canary). Counters grow with wall time at the current behaviour, so the
 * Prometheus stand-in's rate() and increase() see real traffic.
 */
export async function startTrackMetrics(
  track: 'stable' | 'canary',
  behaviour: TrackBehaviour,
): Promise<TrackMetrics> {
  let last = Date.now();
  const t = {
    ok: 0,
    err: 0,
    refused: 0,
    latencyCount: 0,
    latencySum: 0,
    buckets: LATENCY_BUCKETS.map(() => 0),
    instanceBuckets: INSTANCE_BUCKETS.map(() => 0),
    scoreBuckets: SCORE_BUCKETS.map(() => 0),
    images: 0,
    instances: 0,
    score: 0,
  };
  const state = { behaviour };
  const advance = () => {
    const now = Date.now();
    const b = state.behaviour;
    const n = (b.rps * (now - last)) / 1000;
    last = now;
    t.ok += n * (1 - b.errorShare);
    t.err += n * b.errorShare;
    t.refused += n * 0.1;
    t.latencyCount += n;
    t.latencySum += n * b.latencySeconds;
    LATENCY_BUCKETS.forEach((le, i) => {
      if (b.latencySeconds <= le) t.buckets[i] += n;
    });
    const images = n * (1 - b.errorShare);
    t.images += images;
    t.instances += images * b.instancesPerImage;
    t.score += images * b.topScore;
    INSTANCE_BUCKETS.forEach((le, i) => {
      if (b.instancesPerImage <= le) t.instanceBuckets[i] += images;
    });
    SCORE_BUCKETS.forEach((le, i) => {
      if (b.topScore <= le) t.scoreBuckets[i] += images;
    });
  };
  const text = (): string => {
    advance();
    const { model } = state.behaviour;
    const modelLabel = model ? `,model="${model}"` : '';
    const l = (extra = '') =>
      `track="${track}",build="${state.behaviour.build}"${modelLabel}${extra}`;
    const hist = (name: string, sum: number, count: number, buckets: Array<[string, number]>) =>
      [
        `# TYPE ${name} histogram`,
        ...buckets.map(([le, v]) => `${name}_bucket{${l(`,le="${le}"`)}} ${v}`),
        `${name}_bucket{${l(',le="+Inf"')}} ${count}`,
        `${name}_sum{${l()}} ${sum}`,
        `${name}_count{${l()}} ${count}`,
      ].join('\n');
    return [
      '# TYPE maskops_predict_requests_total counter',
      `maskops_predict_requests_total{${l(',outcome="ok"')}} ${t.ok}`,
      `maskops_predict_requests_total{${l(',outcome="server_error"')}} ${t.err}`,
      `maskops_predict_requests_total{${l(',outcome="refused"')}} ${t.refused}`,
      hist(
        'maskops_predict_accepted_duration_seconds',
        t.latencySum,
        t.latencyCount,
        LATENCY_BUCKETS.map((le, i) => [String(le), t.buckets[i]]),
      ),
      hist(
        'maskops_predict_instances',
        t.instances,
        t.images,
        INSTANCE_BUCKETS.map((le, i) => [String(le), t.instanceBuckets[i]]),
      ),
      hist(
        'maskops_predict_top_score',
        t.score,
        t.images,
        SCORE_BUCKETS.map((le, i) => [String(le), t.scoreBuckets[i]]),
      ),
      '',
    ].join('\n');
  };
  const server = createServer((_req, res) => {
    res.setHeader('content-type', 'text/plain; version=0.0.4');
    res.end(text());
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/metrics`,
    get behaviour() {
      return state.behaviour;
    },
    set behaviour(b: TrackBehaviour) {
      advance();
      state.behaviour = b;
    },
    // The Prometheus stand-in scrapes on a kept-alive connection every few hundred ms,
    // so a plain close() would wait for an idle moment that never comes.
    close: () =>
      new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      }),
  };
}
