import { parseFloatToken } from './exposition';
import type { Labels } from './labels';
import { labelsKey, METRIC_NAME, withoutLabels } from './labels';
import { bucketQuantile, extrapolatedRate } from './promql-functions';
import type { Bucket } from './promql-functions';
import type { Expr } from './promql-parser';
import { FUNCTION } from './promql-parser';
import { ExecutionError } from './query-error';
import type { SeriesStore } from './store';

export interface VectorSample {
  labels: Labels;
  value: number;
}

export type QueryResult =
  { resultType: 'scalar'; value: number } | { resultType: 'vector'; samples: VectorSample[] };

/** Prometheus's default lookback for instant vector selectors. */
const LOOKBACK_MS = 5 * 60_000;

function byLabels(a: VectorSample, b: VectorSample): number {
  const ka = labelsKey(a.labels);
  const kb = labelsKey(b.labels);
  return ka < kb ? -1 : ka > kb ? 1 : 0;
}

/** Evaluates a parsed query at `timeMs` (an instant query). Vectors come sorted by labels. */
export function evaluate(expr: Expr, store: SeriesStore, timeMs: number): QueryResult {
  const out = new Evaluator(store, timeMs).eval(expr);
  if (typeof out === 'number') return { resultType: 'scalar', value: out };
  return { resultType: 'vector', samples: out.sort(byLabels) };
}

class Evaluator {
  constructor(
    private readonly store: SeriesStore,
    private readonly t: number,
  ) {}

  eval(e: Expr): number | VectorSample[] {
    switch (e.kind) {
      case 'number':
        return e.value;
      case 'selector':
        return this.instant(e.matchers);
      case 'sum':
        return this.sum(this.vector(e.expr), e.by);
      case 'div':
        return this.divide(this.eval(e.lhs), this.eval(e.rhs));
      case 'call':
        return this.call(e);
    }
  }

  private vector(e: Expr): VectorSample[] {
    const v = this.eval(e);
    if (typeof v === 'number') throw new ExecutionError('expected an instant vector');
    return v;
  }

  /** The latest sample in (t - 5m, t] of each series, unless a staleness marker followed it. */
  private instant(matchers: Extract<Expr, { kind: 'selector' }>['matchers']): VectorSample[] {
    const out: VectorSample[] = [];
    for (const s of this.store.select(matchers)) {
      let i = s.ts.length - 1;
      while (i >= 0 && s.ts[i] > this.t) i -= 1;
      const at = s.ts[i];
      if (at === undefined || at <= this.t - LOOKBACK_MS) continue;
      if (s.staleAt !== undefined && s.staleAt >= at && s.staleAt <= this.t) continue;
      out.push({ labels: s.labels, value: s.vs[i] });
    }
    return out;
  }

  private call(e: Extract<Expr, { kind: 'call' }>): VectorSample[] {
    if (e.func === FUNCTION.histogramQuantile) {
      const q = this.eval(e.args[0]);
      if (typeof q !== 'number') throw new ExecutionError('quantile must be a scalar');
      return this.histogramQuantile(q, this.vector(e.args[1]));
    }
    const sel = e.args[0];
    if (sel?.kind !== 'selector' || sel.rangeMs === undefined) {
      throw new ExecutionError(`${e.func} needs a range vector selector`);
    }
    const start = this.t - sel.rangeMs;
    const out: VectorSample[] = [];
    for (const s of this.store.select(sel.matchers)) {
      // Prometheus 3 ranges are left-open: (t - range, t].
      const lo = s.ts.findIndex((x) => x > start);
      if (lo < 0) continue;
      let hi = lo;
      while (hi < s.ts.length && s.ts[hi] <= this.t) hi += 1;
      const value = extrapolatedRate(
        s.ts.slice(lo, hi),
        s.vs.slice(lo, hi),
        start,
        this.t,
        e.func === FUNCTION.rate,
      );
      if (value !== undefined) out.push({ labels: withoutLabels(s.labels, [METRIC_NAME]), value });
    }
    return out;
  }

  private sum(v: VectorSample[], by: string[]): VectorSample[] {
    const groups = new Map<string, VectorSample>();
    for (const s of v) {
      const labels: Record<string, string> = {};
      for (const name of by) {
        const value = s.labels[name];
        if (value !== undefined && value !== '') labels[name] = value;
      }
      const key = labelsKey(labels);
      const g = groups.get(key);
      if (g) g.value += s.value;
      else groups.set(key, { labels: withoutLabels(labels), value: s.value });
    }
    return [...groups.values()];
  }

  private histogramQuantile(q: number, v: VectorSample[]): VectorSample[] {
    const groups = new Map<string, { labels: Labels; buckets: Bucket[] }>();
    for (const s of v) {
      const le = s.labels.le;
      const upperBound = le === undefined ? NaN : (parseFloatToken(le) ?? NaN);
      // Samples without a valid `le` are ignored, as Prometheus does (with a warning).
      if (Number.isNaN(upperBound)) continue;
      const labels = withoutLabels(s.labels, [METRIC_NAME, 'le']);
      const key = labelsKey(labels);
      const g = groups.get(key) ?? { labels, buckets: [] };
      g.buckets.push({ upperBound, count: s.value });
      groups.set(key, g);
    }
    return [...groups.values()].map((g) => ({
      labels: g.labels,
      value: bucketQuantile(q, g.buckets),
    }));
  }

  private divide(l: number | VectorSample[], r: number | VectorSample[]): number | VectorSample[] {
    if (typeof l === 'number' && typeof r === 'number') return l / r;
    if (typeof l === 'number') {
      return (r as VectorSample[]).map((s) => ({ labels: dropName(s.labels), value: l / s.value }));
    }
    if (typeof r === 'number') {
      return l.map((s) => ({ labels: dropName(s.labels), value: s.value / r }));
    }
    const right = new Map<string, VectorSample>();
    for (const s of r) {
      const key = labelsKey(dropName(s.labels));
      if (right.has(key)) {
        throw new ExecutionError(
          'found duplicate series for the match group on the right hand-side',
        );
      }
      right.set(key, s);
    }
    const seen = new Set<string>();
    const out: VectorSample[] = [];
    for (const s of l) {
      const labels = dropName(s.labels);
      const key = labelsKey(labels);
      const match = right.get(key);
      if (!match) continue;
      if (seen.has(key)) {
        throw new ExecutionError(
          'found duplicate series for the match group on the left hand-side',
        );
      }
      seen.add(key);
      out.push({ labels, value: s.value / match.value });
    }
    return out;
  }
}

function dropName(labels: Labels): Labels {
  return withoutLabels(labels, [METRIC_NAME]);
}
