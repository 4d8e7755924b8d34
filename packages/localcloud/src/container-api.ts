import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { FaultList } from './faults';
import type { Fault, RecordedRequest } from './faults';
import { googleError, googleRequest } from './google-api';
import { closeServer, listen, sendJson } from './http-util';

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
    const api = { host: 'container', faults, requests, token: opts.token };
    const request = await googleRequest(req, res, api);
    if (request === undefined) return;
    const { url, method, reply } = request;
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
