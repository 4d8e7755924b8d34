import type { Labels } from '../../src/prometheus/labels';
import { evaluate } from '../../src/prometheus/promql-eval';
import type { QueryResult } from '../../src/prometheus/promql-eval';
import { parsePromql } from '../../src/prometheus/promql-parser';
import { ExecutionError, QueryError } from '../../src/prometheus/query-error';
import { SeriesStore } from '../../src/prometheus/store';

/*
 * Every counter below grows linearly, `slope` per second, sampled every 10 s from 50 s to
 * 100 s. Evaluated at T = 100 s over [60s], the samples start 10 s after the range start
 * (within 1.1 spacings), so Prometheus extrapolates to the full 60 s: increase = 60·slope,
 * rate = slope exactly (the zero point lies before the range start when value(40 s) ≥ 0).
 */
const T = 100_000;
const store = new SeriesStore();
function counter(labels: Labels, slope: number, base = 0): void {
  for (let t = 50; t <= 100; t += 10) store.append(labels, t * 1000, base + slope * (t - 40));
}
const canary = { track: 'canary', build: 'b2', instance: 'pod-c:8080' };
const stable = (pod: string) => ({ track: 'stable', build: 'b1', instance: `${pod}:8080` });
const req = 'maskops_predict_requests_total';
counter({ __name__: req, ...canary, outcome: 'ok' }, 2);
counter({ __name__: req, ...canary, outcome: 'server_error' }, 0.5, 7);
counter({ __name__: req, ...canary, outcome: 'refused' }, 10);
counter({ __name__: req, ...canary, build: 'b0', outcome: 'ok' }, 100);
counter({ __name__: req, ...stable('pod-a'), outcome: 'ok' }, 1.5);
counter({ __name__: req, ...stable('pod-b'), outcome: 'ok' }, 2.5);
const dur = 'maskops_predict_accepted_duration_seconds_bucket';
const buckets = (labels: Labels, slopes: [string, number][]) => {
  for (const [le, slope] of slopes) counter({ __name__: dur, ...labels, le }, slope);
};
buckets(canary, [
  ['0.1', 1],
  ['0.5', 3],
  ['1', 4],
  ['+Inf', 4],
]);
buckets(stable('pod-a'), [
  ['0.1', 0.5],
  ['0.5', 0.5],
  ['1', 0.5],
  ['+Inf', 1],
]);
buckets(stable('pod-b'), [
  ['0.1', 0.5],
  ['0.5', 0.5],
  ['1', 0.5],
  ['+Inf', 1],
]);
counter({ __name__: 'maskops_predict_instances_sum', ...canary }, 6);
counter({ __name__: 'maskops_predict_instances_count', ...canary }, 2);
counter({ __name__: 'maskops_predict_instances_sum', ...stable('pod-a') }, 0);
counter({ __name__: 'maskops_predict_instances_count', ...stable('pod-a') }, 0);
counter({ __name__: 'maskops_predict_top_score_sum', ...stable('pod-a') }, 1);
counter({ __name__: 'maskops_predict_top_score_count', ...stable('pod-a') }, 0);

const C = '{track="canary",build="b2"}';
const S = '{track="stable"}';
const withSel = (sel: string, extra = '') => sel.replace('}', `${extra}}`);
function run(q: string, t = T): Record<string, number> {
  const r: QueryResult = evaluate(parsePromql(q), store, t);
  if (r.resultType === 'scalar') return { scalar: r.value };
  return Object.fromEntries(r.samples.map((s) => [JSON.stringify(s.labels), s.value]));
}
const track = (t: string) => JSON.stringify({ track: t });

describe('PromQL evaluator: the canary queries', () => {
  it.each([
    [
      'requests (refusals excluded)',
      (s: string) => `sum by (track) (increase(${req}${withSel(s, ', outcome!="refused"')}[60s]))`,
      { canary: 150, stable: 240 },
    ],
    [
      'errors (stable has none: absent)',
      (s: string) =>
        `sum by (track) (increase(${req}${withSel(s, ',outcome="server_error"')}[1m]))`,
      { canary: 30 },
    ],
    [
      // canary rates 1,3,4,4: rank 3.8 in (0.5,1] holding 1 → 0.5 + 0.5·0.8;
      // stable 1,1,1,2: rank 1.9 only in +Inf → highest finite bound, 1.
      'p95',
      (s: string) =>
        `histogram_quantile(0.95, sum by (track, le) (rate(maskops_predict_accepted_duration_seconds_bucket${s}[60s])))`,
      { canary: 0.9, stable: 1 },
    ],
    [
      'mean instances (stable 0/0 = NaN)',
      (s: string) =>
        `sum by (track) (rate(maskops_predict_instances_sum${s}[60s])) / sum by (track) (rate(maskops_predict_instances_count${s}[60s]))`,
      { canary: 3, stable: NaN },
    ],
    [
      'mean top score (stable 1/0 = +Inf)',
      (s: string) =>
        `sum by (track) (rate(maskops_predict_top_score_sum${s}[60s])) / sum by (track) (rate(maskops_predict_top_score_count${s}[60s]))`,
      { stable: Infinity },
    ],
  ])('%s', (_name, query, expected) => {
    const got = { ...run(query(C)), ...run(query(S)) };
    expect(Object.keys(got).sort()).toEqual(Object.keys(expected).map(track).sort());
    for (const [t, v] of Object.entries(expected)) {
      const value = got[track(t)];
      if (Number.isFinite(v)) expect(value).toBeCloseTo(v, 9);
      else expect(value).toBe(v);
    }
  });

  it('drops __name__ after rate, keeps every other label without sum', () => {
    const got = run(`rate(${req}{track="canary",outcome="ok",build=~"b2|b9"}[60s])`);
    expect(Object.keys(got)).toEqual([
      JSON.stringify({ build: 'b2', instance: 'pod-c:8080', outcome: 'ok', track: 'canary' }),
    ]);
  });

  it('answers nothing when the range holds fewer than two samples', () => {
    expect(run(`increase(${req}[60s])`, 1_000_000)).toEqual({});
    expect(run(`increase(${req}[5s])`)).toEqual({});
    expect(run(`sum(increase(${req}[60s]))`, 30_000)).toEqual({});
  });

  it('answers instant selectors with the latest sample within 5 minutes', () => {
    const sel = `${req}{track="canary",build="b2",outcome="ok"}`;
    expect(Object.values(run(sel))).toEqual([120]);
    expect(Object.values(run(sel, 75_000))).toEqual([60]);
    expect(run(sel, 100_000 + 300_000)).toEqual({});
  });

  it('does scalar arithmetic and vector/scalar division', () => {
    expect(run('1 / 0')).toEqual({ scalar: Infinity });
    expect(run('(0 / 0)').scalar).toBeNaN();
    expect(Object.values(run(`sum(increase(${req}${C}[60s])) / 60`))).toEqual([
      expect.closeTo(12.5, 9),
    ]);
  });

  it('refuses many-to-many matching', () => {
    const q = `rate(${req}{outcome="ok",track="stable"}[60s]) / sum by (instance) (rate(${req}[60s]))`;
    expect(() => run(q.replace('sum by (instance) ', ''))).not.toThrow();
    expect(() =>
      run(`sum by (track) (rate(${req}[60s])) / rate(${req}{track="stable"}[60s])`),
    ).not.toThrow();
    const dup = `sum by (track) (rate(${req}[60s])) / ({track="stable",__name__=~".+_(sum|count)"})`;
    expect(() => run(dup)).toThrow(ExecutionError);
  });
});

describe('PromQL parser: anything outside the subset is bad_data', () => {
  it.each([
    [''],
    ['rate(x)'],
    ['x[5m]'],
    ['avg(x)'],
    ['x{a!~"b"}'],
    ['sum without (a) (x)'],
    ['x + y'],
    ['x * 2'],
    ['{a=""}'],
    ['{a=~".*"}'],
    ['x{a=~"("}'],
    ['histogram_quantile(x, y)'],
    ['histogram_quantile(0.9)'],
    ['sum(x[1m])'],
    ['x offset 5m'],
    ['x @ 100'],
    ['rate(x[5m:1m])'],
    ['x /'],
    ['x{a="unterminated}'],
    ['x{a="\\q"}'],
    ['rate(x[1d])'],
    ['('.repeat(100) + 'x' + ')'.repeat(100)],
    ['x # comment'],
  ])('%j', (q) => {
    expect(() => parsePromql(q)).toThrow(QueryError);
  });

  it('accepts both sum spellings, quoting styles and ranges in s, m, h', () => {
    for (const q of [
      'sum by (a, b) (rate(x{l="1"}[30s]))',
      "sum(rate(x{l='1'}[2m])) by (a)",
      'sum(increase({__name__="x", l=~`a|b`}[1h]))',
      'histogram_quantile(0.5, sum by (le) (rate(x_bucket[90s])))',
    ]) {
      expect(() => parsePromql(q)).not.toThrow();
    }
  });
});
