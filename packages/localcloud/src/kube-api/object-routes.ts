import type { IncomingMessage } from 'node:http';
import { isObj } from '@maskops/shared';
import { applyJsonPatch } from './json-patch';
import type { JsonObject } from './json-value';
import { applyMergePatch } from './merge-patch';
import type { ObjectStore } from './object-store';
import { matchResourcePath } from './resource-kinds';
import { groupVersion } from './resource-kinds';
import { recordUpdate, serverSideApply } from './server-side-apply';
import { compileSelectors } from './selectors';
import type { Deployment } from './deployment-object';
import { KubeApiError, kubeStatus } from './status';
import { applyStrategicMergePatch } from './strategic-merge';

export const APPLY_PATCH = 'application/apply-patch+yaml';

interface ObjectContext {
  req: IncomingMessage;
  method: string;
  query: URLSearchParams;
  body: unknown;
  objects: ObjectStore;
}

function dryRunOf(query: URLSearchParams): boolean {
  const dryRun = query.getAll('dryRun');
  if (dryRun.some((v) => v !== 'All'))
    throw new KubeApiError(400, `dryRun must be "All", got ${JSON.stringify(dryRun)}`);
  return dryRun.length > 0;
}

/** The manager a write is recorded under: `fieldManager`, else what the API server derives from the client. */
export function fieldManager(req: IncomingMessage, query: URLSearchParams): string {
  const given = query.get('fieldManager');
  if (given) return given;
  return (req.headers['user-agent'] ?? 'unknown').split('/')[0] ?? 'unknown';
}

/** A patch of any supported type applied to `current` (undefined: only apply may create). */
export function patched(
  contentType: string,
  current: JsonObject | undefined,
  body: unknown,
  manager: string,
  force: boolean,
): JsonObject {
  if (contentType === APPLY_PATCH) return serverSideApply(current, body, manager, force);
  if (!current) throw new KubeApiError(404, 'not found', 'NotFound');
  let next: unknown;
  if (contentType === 'application/strategic-merge-patch+json')
    next = applyStrategicMergePatch(current, body);
  else if (contentType === 'application/merge-patch+json') next = applyMergePatch(current, body);
  else if (contentType === 'application/json-patch+json') next = applyJsonPatch(current, body);
  else {
    throw new KubeApiError(
      415,
      `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml, application/strategic-merge-patch+json`,
    );
  }
  if (!isObj(next)) throw new KubeApiError(400, 'the patch did not produce an object');
  recordUpdate(current, next, manager);
  return next;
}

/**
 * Every kind of RESOURCE_KINDS: list (label selector), get, create, replace, patch
 * (strategic merge, merge, JSON patch, server-side apply with field managers), delete.
 * Undefined when the path names none of them.
 */
export function handleObjects(
  ctx: ObjectContext,
  path: string,
): { status: number; body: unknown } | undefined {
  const route = matchResourcePath(path);
  if (!route) return undefined;
  const { kind, namespace, name } = route;
  const { objects, query, method } = ctx;
  const dryRun = dryRunOf(query);
  const manager = fieldManager(ctx.req, query);
  if (name === undefined) {
    if (method === 'GET') {
      const selector = compileSelectors(undefined, query.get('labelSelector') ?? undefined);
      const items = objects
        .list(kind, namespace)
        .filter((o) => selector(o as unknown as Deployment))
        .map(({ kind: _k, apiVersion: _a, ...rest }) => rest);
      return {
        status: 200,
        body: {
          kind: `${kind.kind}List`,
          apiVersion: groupVersion(kind),
          metadata: { resourceVersion: objects.resourceVersion },
          items,
        },
      };
    }
    if (method === 'POST') {
      const body = isObj(ctx.body) ? { ...ctx.body } : ctx.body;
      if (isObj(body)) recordUpdate(undefined, body, manager);
      return { status: 201, body: objects.create(kind, namespace, body, dryRun) };
    }
    throw new KubeApiError(405, `${method} is not supported on ${path}`);
  }
  switch (method) {
    case 'GET':
      return { status: 200, body: objects.require(kind, namespace, name) };
    case 'PUT': {
      const current = objects.require(kind, namespace, name);
      if (isObj(ctx.body)) recordUpdate(current, ctx.body, manager);
      return { status: 200, body: objects.update(kind, namespace, name, ctx.body, dryRun) };
    }
    case 'PATCH': {
      const type =
        (ctx.req.headers['content-type'] ?? '').split(';')[0]?.trim().toLowerCase() ?? '';
      const current = objects.get(kind, namespace, name);
      const next = patched(type, current, ctx.body, manager, query.get('force') === 'true');
      if (!current) {
        const meta = isObj(next.metadata) ? next.metadata : {};
        next.metadata = { ...meta, name, ...(namespace ? { namespace } : {}) };
        return { status: 201, body: objects.create(kind, namespace, next, dryRun) };
      }
      return { status: 200, body: objects.update(kind, namespace, name, next, dryRun) };
    }
    case 'DELETE': {
      const deleted = objects.delete(kind, namespace, name, dryRun);
      const body = kubeStatus(200, '', { name });
      body.details = {
        name,
        group: kind.group,
        kind: kind.resource,
        uid: String((deleted.metadata as JsonObject).uid),
      };
      return { status: 200, body };
    }
    default:
      throw new KubeApiError(405, `${method} is not supported on ${path}`);
  }
}
