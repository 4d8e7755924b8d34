import type { IncomingMessage, ServerResponse } from 'node:http';
import { APPLY_PATCH, fieldManager, patched as patchedObject } from './object-routes';
import { recordUpdate, serverSideApply } from './server-side-apply';
import { isObj } from '@maskops/shared';
import { compileSelectors } from './selectors';
import { KubeApiError, kubeStatus } from './status';
import type { DeploymentStore, WriteOptions } from './store';
import { deploymentTable, requestedTableVersion } from './table';
import { serveWatch } from './watch';

export const PATCH_TYPE = {
  strategic: 'application/strategic-merge-patch+json',
  merge: 'application/merge-patch+json',
  json: 'application/json-patch+json',
} as const;

export interface RouteContext {
  req: IncomingMessage;
  res: ServerResponse;
  method: string;
  query: URLSearchParams;
  body: unknown;
  store: DeploymentStore;
  /** Keeps the closer of every open watch so `close()` can end them. */
  watches: Set<() => void>;
}

export interface Reply {
  status: number;
  body: unknown;
}

const PATH =
  /^\/apis\/apps\/v1\/(?:namespaces\/([^/]+)\/)?deployments(?:\/([^/]+))?(?:\/(status))?$/;

export function matchDeploymentPath(
  path: string,
): { namespace?: string; name?: string; status: boolean } | undefined {
  const m = PATH.exec(path);
  if (!m) return undefined;
  const route: { namespace?: string; name?: string; status: boolean } = {
    status: m[3] !== undefined,
  };
  if (m[1] !== undefined) route.namespace = decodeURIComponent(m[1]);
  if (m[2] !== undefined) route.name = decodeURIComponent(m[2]);
  if (route.name !== undefined && route.namespace === undefined) return undefined;
  return route;
}

function writeOptions(query: URLSearchParams): WriteOptions {
  const dryRun = query.getAll('dryRun');
  if (dryRun.some((v) => v !== 'All')) {
    throw new KubeApiError(400, `dryRun must be "All", got ${JSON.stringify(dryRun)}`);
  }
  return { dryRun: dryRun.length > 0 };
}

/** List items carry no kind/apiVersion on the wire; the list does. */
function listItem(d: Record<string, unknown>): Record<string, unknown> {
  const { kind: _kind, apiVersion: _apiVersion, ...rest } = d;
  return rest;
}

function patch(ctx: RouteContext, namespace: string, name: string): Reply {
  const type = (ctx.req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
  const manager = fieldManager(ctx.req, ctx.query);
  if (type === APPLY_PATCH && !ctx.store.get(namespace, name)) {
    // Server-side apply creates what is not there.
    const created = serverSideApply(
      undefined,
      ctx.body,
      manager,
      ctx.query.get('force') === 'true',
    );
    created.metadata = { ...(created.metadata as object), name, namespace };
    return { status: 201, body: ctx.store.create(created, namespace, writeOptions(ctx.query)) };
  }
  const current = ctx.store.require(namespace, name);
  const patched = patchedObject(
    type,
    current,
    ctx.body,
    manager,
    ctx.query.get('force') === 'true',
  );
  // A resourceVersion carried by the patch is a precondition, as in the API server.
  const rv =
    isObj(patched) && isObj(patched.metadata) ? patched.metadata.resourceVersion : undefined;
  if (rv !== undefined && rv !== null && rv !== '' && rv !== current.metadata.resourceVersion) {
    const message = `Operation cannot be fulfilled on deployments.apps "${name}": the object has been modified; please apply your changes to the latest version and try again`;
    throw new KubeApiError(409, message, 'Conflict', name);
  }
  return { status: 200, body: ctx.store.update(patched, namespace, name, writeOptions(ctx.query)) };
}

/** Deployments: list, watch, get, create, replace, patch, delete. Undefined: not handled. */
export function handleDeployments(ctx: RouteContext, path: string): Reply | undefined {
  const route = matchDeploymentPath(path);
  if (!route) return undefined;
  const { namespace, name } = route;
  const { method, query, store } = ctx;
  if (name === undefined) {
    if (method === 'GET') {
      const selector = compileSelectors(
        query.get('fieldSelector') ?? undefined,
        query.get('labelSelector') ?? undefined,
      );
      const watch = query.get('watch');
      if (watch === 'true' || watch === '1') {
        const timeout = query.get('timeoutSeconds');
        const params: Parameters<typeof serveWatch>[3] = { selector };
        if (namespace !== undefined) params.namespace = namespace;
        if (query.has('resourceVersion'))
          params.resourceVersion = query.get('resourceVersion') ?? '';
        if (timeout !== null) params.timeoutSeconds = Number(timeout);
        if (query.get('sendInitialEvents') === 'true') params.sendInitialEvents = true;
        const finish = serveWatch(ctx.req, ctx.res, store, params);
        ctx.watches.add(finish);
        ctx.res.on('close', () => ctx.watches.delete(finish));
        return { status: 200, body: undefined };
      }
      const found = store.list(namespace).filter(selector);
      const metadata = { resourceVersion: String(store.resourceVersion) };
      const table = requestedTableVersion(ctx.req.headers.accept);
      if (table) {
        return { status: 200, body: deploymentTable(found, table, metadata.resourceVersion) };
      }
      const items = found.map(listItem);
      return {
        status: 200,
        body: { kind: 'DeploymentList', apiVersion: 'apps/v1', metadata, items },
      };
    }
    if (method === 'POST' && namespace !== undefined) {
      if (isObj(ctx.body)) recordUpdate(undefined, ctx.body, fieldManager(ctx.req, query));
      return { status: 201, body: store.create(ctx.body, namespace, writeOptions(query)) };
    }
    throw new KubeApiError(405, `${method} is not supported on ${path}`);
  }
  const ns = namespace as string;
  if (route.status) {
    if (method === 'GET') return { status: 200, body: store.require(ns, name) };
    throw new KubeApiError(405, `${method} on deployments/status is not supported by localcloud`);
  }
  switch (method) {
    case 'GET': {
      const d = store.require(ns, name);
      const table = requestedTableVersion(ctx.req.headers.accept);
      const rv = String(d.metadata.resourceVersion);
      return { status: 200, body: table ? deploymentTable([d], table, rv) : d };
    }
    case 'PUT':
      return { status: 200, body: store.update(ctx.body, ns, name, writeOptions(query)) };
    case 'PATCH':
      return patch(ctx, ns, name);
    case 'DELETE': {
      const deleted = store.delete(ns, name, writeOptions(query));
      const body = kubeStatus(200, '', { name });
      body.details = {
        name,
        group: 'apps',
        kind: 'deployments',
        uid: String(deleted.metadata.uid),
      };
      return { status: 200, body };
    }
    default:
      throw new KubeApiError(405, `${method} is not supported on ${path}`);
  }
}
