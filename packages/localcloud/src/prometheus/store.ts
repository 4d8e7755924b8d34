import type { Labels, Matcher } from './labels';
import { labelsKey, matches, withoutLabels } from './labels';

export interface Series {
  labels: Labels;
  /** Sample times (ms) ascending, and their values. */
  ts: number[];
  vs: number[];
  /** Time of the staleness marker written when the series vanished from its target, if any. */
  staleAt?: number;
}

export interface StoreOptions {
  /** Samples older than this are dropped; default 15 minutes. */
  retentionMs?: number;
  /** New series beyond this are refused; default 100 000. */
  maxSeries?: number;
}

/** In-memory samples by series, bounded by retention and a series cap. */
export class SeriesStore {
  private readonly series = new Map<string, Series>();
  readonly retentionMs: number;
  private readonly maxSeries: number;

  constructor(opts: StoreOptions = {}) {
    this.retentionMs = opts.retentionMs ?? 15 * 60_000;
    this.maxSeries = opts.maxSeries ?? 100_000;
  }

  get size(): number {
    return this.series.size;
  }

  /** False when the series cap refused a new series. Out-of-order samples are dropped, as Prometheus does. */
  append(labels: Labels, t: number, v: number, key = labelsKey(labels)): boolean {
    let s = this.series.get(key);
    if (!s) {
      if (this.series.size >= this.maxSeries) return false;
      s = { labels: withoutLabels(labels), ts: [], vs: [] };
      this.series.set(key, s);
    }
    const last = s.ts.at(-1);
    if (last !== undefined && t <= last) return true;
    s.ts.push(t);
    s.vs.push(v);
    if (s.staleAt !== undefined && s.staleAt <= t) delete s.staleAt;
    return true;
  }

  markStale(key: string, t: number): void {
    const s = this.series.get(key);
    if (s && (s.ts.at(-1) ?? -Infinity) <= t) s.staleAt = t;
  }

  select(ms: readonly Matcher[]): Series[] {
    return [...this.series.values()].filter((s) => matches(s.labels, ms));
  }

  /** Drops samples older than the retention before `nowMs`, and series left empty. */
  prune(nowMs: number): void {
    const cutoff = nowMs - this.retentionMs;
    for (const [key, s] of this.series) {
      let n = 0;
      while (n < s.ts.length && (s.ts[n] ?? 0) < cutoff) n += 1;
      if (n > 0) {
        s.ts.splice(0, n);
        s.vs.splice(0, n);
      }
      if (s.ts.length === 0) this.series.delete(key);
    }
  }
}
