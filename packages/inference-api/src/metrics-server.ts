import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { FastifyBaseLogger } from 'fastify';
import type { Registry } from 'prom-client';
import { internal, notFound, type InferenceApiError } from './errors';

/**
 * METRICS_PORT: a second listener that serves GET /metrics from the app's own
 * registry and nothing else. It is for scrapers inside the cluster: the Service
 * does not expose this port, and it asks for no token (API_TOKENS_FILE guards
 * the main port only). A plain node:http server: one route needs no framework.
 */
export interface MetricsServer {
  port: number;
  close(): Promise<void>;
}

export interface MetricsServerOptions {
  registry: Registry;
  port: number;
  host: string;
  log: FastifyBaseLogger;
}

function sendJsonError(res: ServerResponse, status: number, err: InferenceApiError): void {
  const body = JSON.stringify({ error: { code: err.code, message: err.message } });
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8' }).end(body);
}

export async function startMetricsServer(options: MetricsServerOptions): Promise<MetricsServer> {
  const { registry, log } = options;
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const path = (req.url ?? '/').split('?')[0];
    if (path !== '/metrics' || (req.method !== 'GET' && req.method !== 'HEAD')) {
      sendJsonError(res, 404, notFound('this port serves GET /metrics only'));
    } else {
      try {
        const text = await registry.metrics();
        res.writeHead(200, { 'content-type': registry.contentType });
        res.end(req.method === 'HEAD' ? undefined : text);
      } catch (err) {
        log.error({ err }, 'metrics collection failed');
        sendJsonError(res, 500, internal('internal error'));
      }
    }
    // Scrapes come every few seconds: debug, like /metrics on the main port.
    log.debug({ method: req.method, path: path?.slice(0, 200), status: res.statusCode }, 'scrape');
  };
  const server = createServer((req, res) => void handle(req, res));
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  log.info({ port, host: options.host }, `metrics listening on ${options.host}:${port}`);
  return {
    port,
    // Node >= 19 also closes idle kept-alive connections here (a scraper keeps one).
    close: () =>
      new Promise<void>((resolve, reject) => server.close((e) => (e ? reject(e) : resolve()))),
  };
}
