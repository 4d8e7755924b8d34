import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { FaultList } from './faults';
import type { Fault, RecordedRequest } from './faults';
import { bearerToken, closeServer, listen, sendJson, sleep } from './http-util';

export interface ClusterDefinition {
  project: string;
  location: string;
  name: string;
  /** `127.0.0.1:PORT`: GKE's endpoint field carries no scheme. */
  endpoint: string;
  caPem: string;
}

export interface ContainerApiServer {
  url: string;
  requests: RecordedRequest[];
  injectFault(f: Fault): void;
  clearFaults(): void;
  close(): Promise<void>;
}

export interface ContainerApiOptions {
  token: string;
  clusters: ClusterDefinition[];
}

const GOOGLE_STATUS: Record<number, string> = {
  400: 'INVALID_ARGUMENT',
  401: 'UNAUTHENTICATED',
  403: 'PERMISSION_DENIED',
  404: 'NOT_FOUND',
  409: 'ABORTED',
  429: 'RESOURCE_EXHAUSTED',
  500: 'INTERNAL',
  503: 'UNAVAILABLE',
  504: 'DEADLINE_EXCEEDED',
};

/** Google's JSON error; `status` overrides the usual one for the code (409 is also ALREADY_EXISTS). */
export function googleError(
  code: number,
  message: string,
  status?: string,
): { error: Record<string, unknown> } {
  return { error: { code, message, status: status ?? GOOGLE_STATUS[code] ?? 'UNKNOWN' } };
}

function clusterResource(c: ClusterDefinition): Record<string, unknown> {
  return {
    name: c.name,
    location: c.location,
    zone: c.location,
    endpoint: c.endpoint,
    status: 'RUNNING',
    currentMasterVersion: '1.32.4-gke.1000',
    currentNodeVersion: '1.32.4-gke.1000',
    initialClusterVersion: '1.32.4-gke.1000',
    selfLink: `https://container.googleapis.com/v1/projects/${c.project}/locations/${c.location}/clusters/${c.name}`,
    masterAuth: { clusterCaCertificate: Buffer.from(c.caPem).toString('base64') },
    privateClusterConfig: { publicEndpoint: c.endpoint },
  };
}

/** The one Container API call the deployer needs: `clusters.get`, answering endpoint and CA. */
export async function startContainerApi(opts: ContainerApiOptions): Promise<ContainerApiServer> {
  const requests: RecordedRequest[] = [];
  const faults = new FaultList();
  const route = /^\/v1\/projects\/([^/]+)\/(?:locations|zones)\/([^/]+)\/clusters\/([^/:]+)$/;

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://container');
    const method = req.method ?? 'GET';
    const record = (status: number): void => {
      const entry: RecordedRequest = { method, path: url.pathname, query: url.search, status };
      if (req.headers['content-type']) entry.contentType = req.headers['content-type'];
      requests.push(entry);
    };
    const reply = (status: number, body: unknown): void => {
      record(status);
      sendJson(res, status, body, { 'content-type': 'application/json; charset=UTF-8' });
    };

    const fault = faults.take(method, url.pathname);
    if (fault?.delayMs) await sleep(fault.delayMs);
    if (fault?.status !== undefined) {
      reply(fault.status, fault.body ?? googleError(fault.status, 'injected fault'));
      return;
    }
    if (bearerToken(req) !== opts.token) {
      const message =
        'Request had invalid authentication credentials. Expected OAuth 2 access token.';
      reply(401, googleError(401, message));
      return;
    }
    const match = route.exec(url.pathname);
    if (!match || method !== 'GET') {
      reply(404, googleError(404, `Not found: ${method} ${url.pathname}`));
      return;
    }
    const [, project, location, name] = match.map((m) => decodeURIComponent(m));
    const cluster = opts.clusters.find(
      (c) => c.project === project && c.location === location && c.name === name,
    );
    if (!cluster) {
      const resource = `projects/${project}/locations/${location}/clusters/${name}`;
      reply(404, googleError(404, `Not found: ${resource}.`));
      return;
    }
    reply(200, clusterResource(cluster));
  };

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      if (!res.headersSent) sendJson(res, 500, googleError(500, String(err)));
    });
  });
  const port = await listen(server);
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    injectFault: (f) => faults.add(f),
    clearFaults: () => faults.clear(),
    close: () => closeServer(server),
  };
}
