import { parseExposition } from './exposition';
import type { Labels } from './labels';
import { labelsKey, METRIC_NAME } from './labels';
import type { SeriesStore } from './store';

export interface ScrapeTarget {
  /** The `/metrics` URL. */
  url: string;
  /** Target labels added to every series (e.g. `namespace`, `pod`); `job` defaults to the scraper's. */
  labels?: Record<string, string>;
}

export interface TargetHealth {
  url: string;
  labels: Labels;
  health: 'up' | 'down' | 'unknown';
  lastError: string;
  lastScrapeMs?: number;
}

export interface ScraperOptions {
  job: string;
  /** Added to every target's labels (the target's own win). */
  targetLabels: Record<string, string>;
  timeoutMs: number;
  maxBodyBytes: number;
  log: (entry: Record<string, unknown>) => void;
}

interface TargetState {
  target: ScrapeTarget;
  labels: Labels;
  health: TargetHealth['health'];
  lastError: string;
  lastScrapeMs?: number;
  /** Series keys written by the last scrape (to mark the vanished ones stale). */
  seen: Set<string>;
  inFlight?: Promise<void>;
}

async function readCapped(res: Response, limit: number): Promise<string> {
  // fetch bodies are byte streams; undici types them as ReadableStream<any>.
  const reader = (res.body as ReadableStream<Uint8Array> | null)?.getReader();
  if (!reader) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.length;
    if (size > limit) {
      await reader.cancel();
      throw new Error(`body larger than ${limit} bytes`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Scrapes a changeable set of targets into a store, as Prometheus does (one `up` per target). */
export class Scraper {
  private readonly targets = new Map<string, TargetState>();

  constructor(
    private readonly store: SeriesStore,
    private readonly opts: ScraperOptions,
  ) {}

  add(target: ScrapeTarget): void {
    const url = new URL(target.url);
    const labels = {
      job: this.opts.job,
      ...this.opts.targetLabels,
      ...target.labels,
      instance: url.host,
    };
    const existing = this.targets.get(target.url);
    if (existing && labelsKey(existing.labels) === labelsKey(labels)) return;
    if (existing) this.remove(target.url);
    this.targets.set(target.url, {
      target,
      labels,
      health: 'unknown',
      lastError: '',
      seen: new Set(),
    });
    this.opts.log({ event: 'target-added', url: target.url });
  }

  /** Its series go stale now, as when a pod disappears. */
  remove(url: string): void {
    const state = this.targets.get(url);
    if (!state) return;
    this.targets.delete(url);
    const now = Date.now();
    for (const key of state.seen) this.store.markStale(key, now);
    this.opts.log({ event: 'target-removed', url });
  }

  set(targets: ScrapeTarget[]): void {
    const urls = new Set(targets.map((t) => t.url));
    for (const url of [...this.targets.keys()]) if (!urls.has(url)) this.remove(url);
    for (const t of targets) this.add(t);
  }

  health(): TargetHealth[] {
    return [...this.targets.values()].map((s) => {
      const h: TargetHealth = {
        url: s.target.url,
        labels: s.labels,
        health: s.health,
        lastError: s.lastError,
      };
      if (s.lastScrapeMs !== undefined) h.lastScrapeMs = s.lastScrapeMs;
      return h;
    });
  }

  /** One scrape of every target (a target still being scraped is not scraped twice). */
  async scrapeAll(): Promise<void> {
    await Promise.all(
      [...this.targets.values()].map((s) => {
        s.inFlight ??= this.scrape(s).finally(() => delete s.inFlight);
        return s.inFlight;
      }),
    );
    this.store.prune(Date.now());
  }

  private async scrape(s: TargetState): Promise<void> {
    const t = Date.now();
    const seen = new Set<string>();
    let error = '';
    try {
      const res = await fetch(s.target.url, {
        headers: { accept: 'text/plain;version=0.0.4' },
        signal: AbortSignal.timeout(this.opts.timeoutMs),
      });
      if (res.status !== 200) {
        await res.arrayBuffer().catch(() => undefined);
        throw new Error(`server returned HTTP status ${res.status}`);
      }
      const samples = parseExposition(await readCapped(res, this.opts.maxBodyBytes));
      for (const sample of samples) {
        const labels = this.targetLabels(s, sample.labels);
        if (!this.store.append(labels, t, sample.value)) throw new Error('series limit reached');
        seen.add(labelsKey(labels));
      }
    } catch (err) {
      error = err instanceof Error ? err.message : String(err);
    }
    // A target removed during its scrape writes nothing more.
    if (this.targets.get(s.target.url) !== s) return;
    const up = { ...s.labels, [METRIC_NAME]: 'up' };
    this.store.append(up, t, error ? 0 : 1);
    seen.add(labelsKey(up));
    for (const key of s.seen) if (!seen.has(key)) this.store.markStale(key, t);
    s.seen = seen;
    const health = error ? 'down' : 'up';
    if (health !== s.health) {
      this.opts.log({
        event: 'target-health',
        url: s.target.url,
        health,
        error: error || undefined,
      });
    }
    Object.assign(s, { health, lastError: error, lastScrapeMs: t });
  }

  /** Target labels win; clashing scraped labels are kept as `exported_<name>` (honor_labels: false). */
  private targetLabels(s: TargetState, scraped: Labels): Labels {
    const out: Record<string, string> = { ...scraped };
    for (const [k, v] of Object.entries(s.labels)) {
      if (Object.hasOwn(out, k)) out[`exported_${k}`] = out[k] ?? '';
      out[k] = v;
    }
    return out;
  }
}
