import { randomBytes } from 'node:crypto';
import { createServer } from 'node:https';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Fault, RecordedRequest } from '../faults';
import { FaultList } from '../faults';
import { sleep } from '@maskops/shared';
import {
  bearerToken,
  closeServer,
  HttpError,
  listen,
  readBody,
  readJsonBody,
  sendJson,
} from '../http-util';
import { decodeProtobufObject, PROTOBUF_CONTENT_TYPE } from './protobuf-body';
import { defaultServerTls, issueServerCertificate } from '../tls';
import type { ServerTls } from '../tls';
import { handleDeployments } from './deployment-routes';
import type { Deployment } from './deployment-object';
import type { DeploymentView } from './deployment-view';
import * as discovery from './discovery';
import { deepCopy } from './json-value';
import { kubeconfigYaml } from './kubeconfig';
import { RolloutController } from './rollout-controller';
import type { RolloutMode } from './rollout-controller';
import { KubeApiError, kubeStatus } from './status';
import { DeploymentStore } from './store';
import { handleObjects } from './object-routes';
import { validateFields } from './field-validation';
import { openApiDocument, openApiRoot } from './openapi';
import { ObjectStore } from './object-store';
import { RESOURCE_KINDS } from './resource-kinds';
import type { ResourceKind } from './resource-kinds';

const NAMESPACE_KIND = RESOURCE_KINDS.find((k) => k.kind === 'Namespace') as ResourceKind;

export interface KubeApiServer {
  /** `https://127.0.0.1:PORT` */
  url: string;
  /** `127.0.0.1:PORT`, as GKE's cluster `endpoint` field. */
  endpoint: string;
  /** PEM of the CA that signed the server certificate. */
  caPem: string;
  token: string;
  kubeconfig(opts?: { namespace?: string }): string;
  /** Create or replace, already rolled out (status complete, no rollout steps). */
  putDeployment(obj: Record<string, unknown>): Record<string, unknown>;
  getDeployment(namespace: string, name: string): DeploymentView | undefined;
  /** Mode for this deployment's next rollouts. */
  setRolloutMode(namespace: string, name: string, mode: RolloutMode): void;
  /** Writes `status` as the deployment controller would (for `external` rollout mode). */
  setDeploymentStatus(namespace: string, name: string, status: Record<string, unknown>): void;
  /** Mode for any rollout to a template running `image` (wins over the deployment's mode). */
  setImageRolloutMode(image: string, mode: RolloutMode): void;
  injectFault(f: Fault): void;
  clearFaults(): void;
  requests: RecordedRequest[];
  close(): Promise<void>;
}

export interface KubeApiOptions {
  token?: string;
  /** Time between rollout status steps; default 50 ms. */
  rolloutStepMs?: number;
  /** A CA certificate and its key to sign the server certificate with (default: one per process). */
  caPem?: string;
  keyPem?: string;
}

function discoveryReply(path: string, host: string): unknown {
  switch (path) {
    case '/version':
      return discovery.versionInfo();
    case '/api':
      return discovery.coreVersions(host);
    case '/api/v1':
      return discovery.coreResources();
    case '/apis':
      return discovery.groupList();
    case '/apis/apps':
      return discovery.appsGroup();
    case '/apis/apps/v1':
      return discovery.appsResources();
    case '/openapi/v3':
      return openApiRoot();
    case '/apis/apiextensions.k8s.io/v1/customresourcedefinitions':
      return {
        kind: 'CustomResourceDefinitionList',
        apiVersion: 'apiextensions.k8s.io/v1',
        metadata: { resourceVersion: '1' },
        items: [],
      };
    default:
      return discovery.namedGroupDocument(path) ?? openApiDocument(path);
  }
}

/** A Kubernetes API server for apps/v1 Deployments, over HTTPS with bearer-token auth. */
export async function startKubeApi(opts: KubeApiOptions = {}): Promise<KubeApiServer> {
  const token = opts.token ?? `localcloud-${randomBytes(16).toString('hex')}`;
  let tls: ServerTls;
  if (opts.caPem !== undefined || opts.keyPem !== undefined) {
    if (opts.caPem === undefined || opts.keyPem === undefined) {
      throw new Error('startKubeApi: caPem and keyPem go together');
    }
    tls = issueServerCertificate({ certPem: opts.caPem, keyPem: opts.keyPem });
  } else {
    tls = defaultServerTls();
  }
  const store = new DeploymentStore();
  const objects = new ObjectStore(NAMESPACE_KIND);
  const controller = new RolloutController(store, opts.rolloutStepMs ?? 50);
  const faults = new FaultList();
  const requests: RecordedRequest[] = [];
  const watches = new Set<() => void>();
  let host = '';

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'https://kube');
    const method = req.method ?? 'GET';
    const path = url.pathname.replace(/\/+$/, '') || '/';
    const entry: RecordedRequest = { method, path, query: url.search, status: 0 };
    if (req.headers['content-type']) entry.contentType = req.headers['content-type'];
    if (req.headers.accept) entry.accept = req.headers.accept;
    requests.push(entry);
    const reply = (status: number, body: unknown): void => {
      entry.status = status;
      sendJson(res, status, body);
    };
    try {
      if (method !== 'GET' && method !== 'DELETE') {
        entry.body = req.headers['content-type']?.startsWith(PROTOBUF_CONTENT_TYPE)
          ? decodeProtobufObject(await readBody(req))
          : await readJsonBody(req);
      }
      const fault = faults.take(method, path);
      if (fault?.delayMs) await sleep(fault.delayMs);
      if (fault?.status !== undefined) {
        reply(fault.status, fault.body ?? kubeStatus(fault.status, `localcloud: injected fault`));
        return;
      }
      if (bearerToken(req) !== token) throw new KubeApiError(401, 'Unauthorized');
      if (method === 'POST' || method === 'PUT' || method === 'PATCH') {
        validateFields(path, entry.body, url.searchParams, res);
      }
      if (method === 'GET') {
        const doc = discoveryReply(path, host);
        if (doc !== undefined) return reply(200, doc);
        if (path === '/healthz' || path === '/readyz' || path === '/livez') {
          entry.status = 200;
          res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
          return;
        }
      }
      const ctx = { req, res, method, query: url.searchParams, body: entry.body, store, watches };
      const result = handleDeployments(ctx, path) ?? handleObjects({ ...ctx, objects }, path);
      if (!result) throw new KubeApiError(404, 'the server could not find the requested resource');
      if (res.headersSent) entry.status = result.status;
      else reply(result.status, result.body);
    } catch (err) {
      if (res.headersSent) return;
      if (err instanceof KubeApiError) reply(err.code, err.toStatus());
      else if (err instanceof HttpError)
        reply(err.statusCode, kubeStatus(err.statusCode, err.message, { reason: err.reason }));
      else reply(500, kubeStatus(500, `localcloud: ${String(err)}`));
    }
  };

  const server = createServer({ cert: tls.certPem, key: tls.keyPem }, (req, res) => {
    void handle(req, res);
  });
  const port = await listen(server);
  host = `127.0.0.1:${port}`;
  const url = `https://${host}`;

  return {
    url,
    endpoint: host,
    caPem: tls.caPem,
    token,
    kubeconfig: (o = {}) =>
      kubeconfigYaml({ server: url, caPem: tls.caPem, token, namespace: o.namespace }),
    putDeployment(obj) {
      const meta = (obj.metadata ?? {}) as { name?: string; namespace?: string };
      const namespace = meta.namespace ?? 'default';
      const existing = meta.name === undefined ? undefined : store.get(namespace, meta.name);
      const input = deepCopy(obj) as Deployment;
      if (existing) {
        input.metadata.resourceVersion = existing.metadata.resourceVersion;
        store.update(input, namespace, existing.metadata.name, { settled: true });
      } else {
        store.create(input, namespace, { settled: true });
      }
      return store.require(namespace, String(meta.name));
    },
    // Stored objects passed normalizeDeployment, which checked what DeploymentView names.
    getDeployment: (namespace, name) => store.get(namespace, name) as DeploymentView | undefined,
    setRolloutMode: (namespace, name, mode) => controller.setMode(namespace, name, mode),
    setDeploymentStatus: (namespace, name, status) => {
      store.writeStatus(namespace, name, status);
    },
    setImageRolloutMode: (image, mode) => controller.setImageMode(image, mode),
    injectFault: (f) => faults.add(f),
    clearFaults: () => faults.clear(),
    requests,
    async close() {
      controller.stop();
      for (const finish of watches) finish();
      await closeServer(server);
    },
  };
}
