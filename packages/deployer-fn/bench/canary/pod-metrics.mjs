// One simulated pod's /metrics, as inference-api's metrics plugin keeps them
// (prom-client: a labelled series exists from its first observation on), and the
// samples a scrape of it writes into the Prometheus stand-in's store.

// inference-api's buckets (packages/inference-api/src/plugins/metrics.ts).
const BUCKETS = {
  latency: [
    0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.25, 0.3, 0.4, 0.5, 0.75, 1, 1.25, 1.5, 2,
    2.5, 3, 4, 5, 7.5, 10, 15, 30,
  ],
  instances: [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 12, 14, 16, 20, 24, 32, 48, 64, 100],
  topScore: Array.from({ length: 21 }, (_, i) => i / 20),
};

const histogram = (bounds) => ({ bounds, counts: bounds.map(() => 0), count: 0, sum: 0 });

function observe(h, v) {
  for (let i = 0; i < h.bounds.length; i += 1) if (v <= h.bounds[i]) h.counts[i] += 1;
  h.count += 1;
  h.sum += v;
}

export class PodMetrics {
  constructor(labels) {
    this.labels = labels;
    this.outcomes = new Map();
    this.latency = histogram(BUCKETS.latency);
    this.instances = histogram(BUCKETS.instances);
    this.topScore = histogram(BUCKETS.topScore);
  }

  /** One accepted /predict answer: `error` (5xx) or a prediction with its results. */
  answer({ error, seconds, instances, topScore }) {
    const outcome = error ? 'server_error' : 'ok';
    this.outcomes.set(outcome, (this.outcomes.get(outcome) ?? 0) + 1);
    observe(this.latency, seconds);
    if (!error) {
      observe(this.instances, instances);
      observe(this.topScore, topScore);
    }
  }

  /** One label object per series, so the store keys it once. */
  series(name, extra = {}) {
    const id = `${name}${JSON.stringify(extra)}`;
    this.ids ??= new Map();
    let labels = this.ids.get(id);
    if (!labels) this.ids.set(id, (labels = { __name__: name, ...this.labels, ...extra }));
    return labels;
  }

  /** Every series this pod exports now, appended at `timeMs`. */
  scrape(engine, timeMs) {
    for (const [outcome, v] of this.outcomes) {
      engine.append(this.series('maskops_predict_requests_total', { outcome }), timeMs, v);
    }
    const hist = (name, h) => {
      if (h.count === 0) return;
      h.bounds.forEach((le, i) =>
        engine.append(this.series(`${name}_bucket`, { le: String(le) }), timeMs, h.counts[i]),
      );
      engine.append(this.series(`${name}_bucket`, { le: '+Inf' }), timeMs, h.count);
      engine.append(this.series(`${name}_sum`), timeMs, h.sum);
      engine.append(this.series(`${name}_count`), timeMs, h.count);
    };
    hist('maskops_predict_accepted_duration_seconds', this.latency);
    hist('maskops_predict_instances', this.instances);
    hist('maskops_predict_top_score', this.topScore);
  }
}
