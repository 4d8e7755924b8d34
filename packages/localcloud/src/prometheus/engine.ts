import type { Labels } from './labels';
import { labelsKey } from './labels';
import { evaluate } from './promql-eval';
import type { QueryResult } from './promql-eval';
import { parsePromql } from './promql-parser';
import { SeriesStore } from './store';

/** The stand-in's store and PromQL evaluator without a server or scraper. */
export interface PromqlEngine {
  /** Appends one sample; false when the series limit is reached. Reuse a series' labels object: it is keyed once. */
  append(labels: Labels, timeMs: number, value: number): boolean;
  /** Evaluates an instant query as `/api/v1/query` would, at `timeMs`. */
  query(promql: string, timeMs: number): QueryResult;
}

/**
 * For simulations that write their own samples (the deployer's canary bench): the
 * answers are exactly the server's, without HTTP or wall-clock time.
 */
export function createPromqlEngine(
  opts: { retentionMs?: number; maxSeries?: number } = {},
): PromqlEngine {
  const store = new SeriesStore(opts);
  // A simulation appends the same label objects thousands of times: key each once.
  const keys = new WeakMap<Labels, string>();
  const keyOf = (labels: Labels): string => {
    let key = keys.get(labels);
    if (key === undefined) keys.set(labels, (key = labelsKey(labels)));
    return key;
  };
  return {
    append: (labels, timeMs, value) => store.append(labels, timeMs, value, keyOf(labels)),
    query: (promql, timeMs) => evaluate(parsePromql(promql), store, timeMs),
  };
}
