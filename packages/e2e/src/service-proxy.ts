import {
  createServer,
  request,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * Hop-by-hop headers (RFC 9110 §7.6.1) describe one connection and are never
 * forwarded. Above all `keep-alive`: the pod's `timeout=72` passed on to the client
 * would let it keep an idle connection to this proxy far past the proxy's own idle
 * timeout, and a request sent as the proxy closes that connection fails with
 * ECONNRESET (seen in the canary demo on a busy machine).
 */
const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

function endToEnd(headers: IncomingMessage['headers']): IncomingMessage['headers'] {
  const named = new Set(
    String(headers.connection ?? '')
      .split(',')
      .map((h) => h.trim().toLowerCase()),
  );
  return Object.fromEntries(
    Object.entries(headers).filter(([k]) => !HOP_BY_HOP.has(k) && !named.has(k)),
  );
}

export interface Endpoint {
  name: string;
  port: number;
}

/**
 * The Service of the local Deployment: an HTTP proxy that spreads requests over
 * the ready pods, round robin. A pod leaves the endpoint list before it is told to
 * stop, as kube-proxy does, so no new request reaches a draining pod. Each pod
 * controller owns one group of endpoints (the Service selects both the stable and the
 * canary Deployment's pods), so traffic follows the ratio of ready pods.
 */
export class ServiceProxy {
  private endpoints: Endpoint[] = [];
  private readonly groups = new Map<string, Endpoint[]>();
  private next = 0;
  private server: Server | undefined;
  port = 0;

  /** Replaces the endpoints of one group (one Deployment's ready pods). */
  setEndpoints(endpoints: Endpoint[], group = 'default'): void {
    this.groups.set(group, [...endpoints]);
    this.endpoints = [...this.groups.values()].flat();
  }

  listEndpoints(): Endpoint[] {
    return [...this.endpoints];
  }

  async listen(port = 0): Promise<number> {
    this.server = createServer((req, res) => this.forward(req, res));
    await new Promise<void>((resolve) => this.server!.listen(port, '127.0.0.1', resolve));
    this.port = (this.server.address() as AddressInfo).port;
    return this.port;
  }

  private pick(): Endpoint | undefined {
    if (this.endpoints.length === 0) return undefined;
    const ep = this.endpoints[this.next % this.endpoints.length];
    this.next += 1;
    return ep;
  }

  private forward(req: IncomingMessage, res: ServerResponse): void {
    const ep = this.pick();
    if (!ep) {
      res.writeHead(503, { 'content-type': 'application/json', 'retry-after': '1' });
      res.end(JSON.stringify({ error: { code: 'NO_ENDPOINTS', message: 'no ready pods' } }));
      return;
    }
    const upstream = request(
      {
        host: '127.0.0.1',
        port: ep.port,
        method: req.method,
        path: req.url,
        headers: { ...endToEnd(req.headers), 'x-served-by-pod': ep.name },
      },
      (up) => {
        res.writeHead(up.statusCode ?? 502, { ...endToEnd(up.headers), 'x-pod': ep.name });
        up.pipe(res);
      },
    );
    upstream.on('error', (err) => {
      if (!res.headersSent) {
        res.writeHead(502, { 'content-type': 'application/json' });
        res.end(
          JSON.stringify({ error: { code: 'BAD_GATEWAY', message: `${ep.name}: ${err.message}` } }),
        );
      } else res.destroy(err);
    });
    req.pipe(upstream);
  }

  async close(): Promise<void> {
    const srv = this.server;
    if (!srv) return;
    srv.closeAllConnections();
    await new Promise<void>((resolve) => srv.close(() => resolve()));
  }
}
