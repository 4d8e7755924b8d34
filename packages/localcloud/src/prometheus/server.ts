import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { closeServer, HttpError, listen, readBody, sendJson } from '../http-util';
import { formatValue } from './format';
import type { Labels } from './labels';
import { evaluate } from './promql-eval';
import type { QueryResult } from './promql-eval';
import { parsePromql } from './promql-parser';
import { ExecutionError, QueryError } from './query-error';
import { Scraper } from './scraper';
import type { ScrapeTarget, TargetHealth } from './scraper';
import { SeriesStore } from './store';

export interface PrometheusServer {
  /** The value for `PROMETHEUS_QUERY_URL` (`http://127.0.0.1:PORT`). */
  url: string;
  addTarget(target: ScrapeTarget): void;
  removeTarget(url: string): void;
  /** Replaces the whole target set (targets kept keep their series). */
  setTargets(targets: ScrapeTarget[]): void;
  targets(): TargetHealth[];
  /** Scrapes every target once now and waits for it (tests, or before a query in a demo). */
  scrapeNow(): Promise<void>;
  /** Writes a sample directly (tests that need exact timestamps). */
  appendSample(labels: Labels, timeMs: number, value: number): void;
  /** Evaluates a query as `/api/v1/query` would, at `timeMs` (default now). */
  query(promql: string, timeMs?: number): QueryResult;
  close(): Promise<void>;
}

export interface PrometheusOptions {
  targets?: ScrapeTarget[];
  /** Default 1000 ms (Managed Prometheus scrapes every 30 s or more; the stand-in is faster). */
  scrapeIntervalMs?: number;
  /** Default: the scrape interval. */
  scrapeTimeoutMs?: number;
  /** Default 15 minutes. */
  retentionMs?: number;
  maxSeries?: number;
  /** A scrape answer larger than this fails the scrape; default 10 MiB. */
  maxScrapeBytes?: number;
  /** The `job` label of targets that do not set one; default `localcloud`. */
  job?: string;
  /**
   * Labels added to every target's series, as Managed Service for Prometheus adds
   * `project_id`, `location` and `cluster` (a target's own labels, e.g. `namespace`, win).
   */
  targetLabels?: Record<string, string>;
  log?: (entry: Record<string, unknown>) => void;
}

const QUERY_PATH = /(?:^|\/)api\/v1\/query$/;
const FORM_LIMIT = 1024 * 1024;

function errorBody(errorType: string, error: string) {
  return { status: 'error', errorType, error };
}

function parseTime(raw: string | null, now: number): number {
  if (raw === null || raw === '') return now;
  const seconds = Number(raw);
  if (Number.isFinite(seconds) && /^[0-9.eE+-]+$/.test(raw)) return Math.round(seconds * 1000);
  const ms = Date.parse(raw);
  if (/^\d{4}-\d{2}-\d{2}T/.test(raw) && Number.isFinite(ms)) return ms;
  throw new QueryError(
    `invalid parameter "time": cannot parse ${JSON.stringify(raw)} to a valid timestamp`,
  );
}

function resultJson(r: QueryResult, timeMs: number): unknown {
  const t = timeMs / 1000;
  if (r.resultType === 'scalar') return { resultType: 'scalar', result: [t, formatValue(r.value)] };
  return {
    resultType: 'vector',
    result: r.samples.map((s) => ({ metric: s.labels, value: [t, formatValue(s.value)] })),
  };
}

/**
 * A Prometheus query API for the canary analysis: scrapes `/metrics` targets into memory and
 * answers `/api/v1/query` (GET or form POST, any bearer token or none; also under a Managed
 * Prometheus-style prefix such as `/v1/projects/P/location/global/prometheus`).
 */
export async function startPrometheus(opts: PrometheusOptions = {}): Promise<PrometheusServer> {
  const log = (e: Record<string, unknown>): void => opts.log?.({ component: 'prometheus', ...e });
  const store = new SeriesStore({ retentionMs: opts.retentionMs, maxSeries: opts.maxSeries });
  const interval = opts.scrapeIntervalMs ?? 1000;
  const scraper = new Scraper(store, {
    job: opts.job ?? 'localcloud',
    targetLabels: opts.targetLabels ?? {},
    timeoutMs: opts.scrapeTimeoutMs ?? interval,
    maxBodyBytes: opts.maxScrapeBytes ?? 10 * 1024 * 1024,
    log,
  });
  scraper.set(opts.targets ?? []);

  const query = (promql: string, timeMs = Date.now()): QueryResult =>
    evaluate(parsePromql(promql), store, timeMs);

  const params = async (req: IncomingMessage, url: URL): Promise<URLSearchParams> => {
    if (req.method === 'GET') return url.searchParams;
    const type = req.headers['content-type'] ?? '';
    if (!type.startsWith('application/x-www-form-urlencoded')) {
      throw new QueryError('POST needs an application/x-www-form-urlencoded body');
    }
    const form = new URLSearchParams((await readBody(req, FORM_LIMIT)).toString('utf8'));
    for (const [k, v] of url.searchParams) if (!form.has(k)) form.set(k, v);
    return form;
  };

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://prometheus');
    if (url.pathname === '/-/healthy' || url.pathname === '/-/ready') {
      res.writeHead(200, { 'content-type': 'text/plain' }).end('Prometheus stand-in is Ready.\n');
      return;
    }
    if (url.pathname.endsWith('/api/v1/targets') && req.method === 'GET') {
      sendJson(res, 200, { status: 'success', data: { activeTargets: scraper.health() } });
      return;
    }
    if (!QUERY_PATH.test(url.pathname)) {
      sendJson(res, 404, errorBody('not_found', `no route ${url.pathname}`));
      return;
    }
    if (req.method !== 'GET' && req.method !== 'POST') {
      sendJson(res, 405, errorBody('bad_data', `method ${req.method ?? ''} not allowed`));
      return;
    }
    try {
      const p = await params(req, url);
      const promql = p.get('query');
      if (!promql) throw new QueryError('invalid parameter "query": empty query');
      const timeMs = parseTime(p.get('time'), Date.now());
      const result = query(promql, timeMs);
      log({
        event: 'query',
        method: req.method,
        query: promql,
        time: timeMs / 1000,
        results: result.resultType === 'vector' ? result.samples.length : 1,
      });
      sendJson(res, 200, { status: 'success', data: resultJson(result, timeMs) });
    } catch (err) {
      const [status, type] =
        err instanceof QueryError
          ? [400, 'bad_data']
          : err instanceof ExecutionError
            ? [422, 'execution']
            : [0, ''];
      if (err instanceof HttpError) {
        sendJson(res, err.statusCode, errorBody('bad_data', err.message));
        return;
      }
      if (!status) throw err;
      log({ event: 'query-rejected', error: (err as Error).message });
      sendJson(res, status, errorBody(type, (err as Error).message));
    }
  };

  const server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) sendJson(res, 500, errorBody('internal', 'internal error'));
    });
  });
  const port = await listen(server);
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  // setTimeout after each round, so a slow round never overlaps the next.
  const loop = (): void => {
    timer = setTimeout(() => {
      void scraper.scrapeAll().finally(() => {
        if (!stopped) loop();
      });
    }, interval);
  };
  loop();

  return {
    url: `http://127.0.0.1:${port}`,
    addTarget: (t) => scraper.add(t),
    removeTarget: (u) => scraper.remove(u),
    setTargets: (ts) => scraper.set(ts),
    targets: () => scraper.health(),
    scrapeNow: () => scraper.scrapeAll(),
    appendSample: (labels, timeMs, value) => {
      store.append(labels, timeMs, value);
    },
    query,
    async close() {
      stopped = true;
      clearTimeout(timer);
      await closeServer(server);
    },
  };
}
