/** A series' labels, `__name__` included. */
export type Labels = Readonly<Record<string, string>>;

export const METRIC_NAME = '__name__';

/** A stable identity for a label set (order-independent; empty values dropped, as Prometheus does). */
export function labelsKey(labels: Labels): string {
  const entries = Object.entries(labels)
    .filter(([, v]) => v !== '')
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return JSON.stringify(entries);
}

/** The labels minus `drop` and empty values, keys sorted (Prometheus writes label sets sorted). */
export function withoutLabels(labels: Labels, drop: readonly string[] = []): Labels {
  const out: Record<string, string> = {};
  for (const k of Object.keys(labels).sort()) {
    const v = labels[k] ?? '';
    if (!drop.includes(k) && v !== '') out[k] = v;
  }
  return out;
}

export const MATCH_OP = { eq: '=', neq: '!=', re: '=~' } as const;
export type MatchOp = (typeof MATCH_OP)[keyof typeof MATCH_OP];

export interface Matcher {
  name: string;
  op: MatchOp;
  value: string;
  /** Fully anchored, as Prometheus anchors label regexes. */
  regex?: RegExp;
}

/** A missing label matches as the empty string, as in Prometheus. */
export function matches(labels: Labels, ms: readonly Matcher[]): boolean {
  return ms.every((m) => {
    const v = labels[m.name] ?? '';
    if (m.op === MATCH_OP.eq) return v === m.value;
    if (m.op === MATCH_OP.neq) return v !== m.value;
    return m.regex?.test(v) ?? false;
  });
}
