import { isObj } from '@maskops/shared';
import { deepCopy, deepEqual } from './json-value';
import type { JsonObject } from './json-value';
import { KubeApiError } from './status';

/**
 * Server-side apply with field managers: each manager owns the fields it last set.
 * Objects are merged key by key; lists and scalars are leaves owned whole (the API
 * server splits keyed lists such as `containers` by their keys; localcloud does not).
 */
interface ManagedFieldsEntry {
  manager: string;
  operation: 'Apply' | 'Update';
  apiVersion: string;
  time: string;
  fieldsType: 'FieldsV1';
  fieldsV1: JsonObject;
}

/** Metadata the server owns or that identifies the object: never a managed field. */
const UNMANAGED = new Set(['apiVersion', 'kind', 'status']);
const UNMANAGED_METADATA = new Set([
  'name',
  'namespace',
  'uid',
  'resourceVersion',
  'generation',
  'creationTimestamp',
  'managedFields',
  'deletionTimestamp',
  'selfLink',
]);

/** Leaf paths of `obj` (`spec.replicas`, `metadata.labels.app`), as dotted strings. */
function leafPaths(obj: unknown, prefix: string[] = []): string[][] {
  if (!isObj(obj)) return [prefix];
  const out: string[][] = [];
  for (const [key, value] of Object.entries(obj)) {
    if (prefix.length === 0 && UNMANAGED.has(key)) continue;
    if (prefix.length === 1 && prefix[0] === 'metadata' && UNMANAGED_METADATA.has(key)) continue;
    if (isObj(value) && Object.keys(value).length > 0)
      out.push(...leafPaths(value, [...prefix, key]));
    else out.push([...prefix, key]);
  }
  return out;
}

function toFieldsV1(paths: string[][]): JsonObject {
  const root: JsonObject = {};
  for (const path of paths) {
    let node = root;
    for (const key of path) {
      const k = `f:${key}`;
      node[k] = isObj(node[k]) ? node[k] : {};
      node = node[k] as JsonObject;
    }
  }
  return root;
}

function fromFieldsV1(fields: unknown, prefix: string[] = []): string[][] {
  if (!isObj(fields) || Object.keys(fields).length === 0) return prefix.length ? [prefix] : [];
  return Object.entries(fields).flatMap(([k, v]) =>
    fromFieldsV1(v, [...prefix, k.replace(/^f:/, '')]),
  );
}

function get(obj: unknown, path: string[]): unknown {
  let node = obj;
  for (const key of path) node = isObj(node) ? node[key] : undefined;
  return node;
}

function set(obj: JsonObject, path: string[], value: unknown): void {
  let node = obj;
  for (const key of path.slice(0, -1)) {
    if (!isObj(node[key])) node[key] = {};
    node = node[key] as JsonObject;
  }
  node[path[path.length - 1] ?? ''] = deepCopy(value);
}

function remove(obj: JsonObject, path: string[]): void {
  const parent = get(obj, path.slice(0, -1));
  if (isObj(parent)) delete parent[path[path.length - 1] ?? ''];
}

const key = (path: string[]): string => path.join('.');

function managedFieldsOf(obj: unknown): ManagedFieldsEntry[] {
  const meta = isObj(obj) && isObj(obj.metadata) ? obj.metadata : {};
  return Array.isArray(meta.managedFields)
    ? (deepCopy(meta.managedFields) as ManagedFieldsEntry[])
    : [];
}

function now(): string {
  return new Date().toISOString().replace(/\.\d+Z$/, 'Z');
}

function withManager(
  entries: ManagedFieldsEntry[],
  manager: string,
  operation: 'Apply' | 'Update',
  apiVersion: string,
  paths: string[][],
): ManagedFieldsEntry[] {
  const rest = entries.filter((e) => !(e.manager === manager && e.operation === operation));
  if (paths.length === 0) return rest;
  return [
    ...rest,
    {
      manager,
      operation,
      apiVersion,
      time: now(),
      fieldsType: 'FieldsV1',
      fieldsV1: toFieldsV1(paths),
    },
  ];
}

/** Removes `taken` paths from every other manager; drops managers left with nothing. */
function disown(
  entries: ManagedFieldsEntry[],
  taken: Set<string>,
  except: string,
): ManagedFieldsEntry[] {
  return entries.flatMap((e) => {
    if (e.manager === except) return [e];
    const kept = fromFieldsV1(e.fieldsV1).filter((p) => !taken.has(key(p)));
    return kept.length === 0 ? [] : [{ ...e, fieldsV1: toFieldsV1(kept) }];
  });
}

/**
 * The object after `manager` applies `config` to `current` (undefined: create).
 * A field another manager owns with a different value is a conflict (409) unless
 * `force`, which takes the field over. Fields the manager applied before and left
 * out now are removed, unless another manager also owns them.
 */
export function serverSideApply(
  current: JsonObject | undefined,
  config: unknown,
  manager: string,
  force: boolean,
): JsonObject {
  if (!isObj(config)) throw new KubeApiError(400, 'apply patch must be an object');
  if (!manager)
    throw new KubeApiError(
      400,
      'PatchOptions.meta.k8s.io "" is invalid: fieldManager: Required value: is required for apply patch',
    );
  const apiVersion = typeof config.apiVersion === 'string' ? config.apiVersion : '';
  const base = deepCopy(current ?? {});
  const entries = managedFieldsOf(base);
  const applied = leafPaths(config);
  const appliedKeys = new Set(applied.map(key));
  const conflicts: string[] = [];
  for (const e of entries) {
    if (e.manager === manager) continue;
    for (const p of fromFieldsV1(e.fieldsV1)) {
      if (appliedKeys.has(key(p)) && !deepEqual(get(base, p), get(config, p)))
        conflicts.push(
          `conflict with "${e.manager}"${e.operation === 'Update' ? ' using ' + e.apiVersion : ''}: .${key(p)}`,
        );
    }
  }
  if (conflicts.length > 0 && !force) {
    const message = `Apply failed with ${conflicts.length} conflict${conflicts.length > 1 ? 's' : ''}: ${conflicts.join('\n')}`;
    throw new KubeApiError(409, message, 'Conflict');
  }
  const ownedByOthers = new Set(
    entries.filter((e) => e.manager !== manager).flatMap((e) => fromFieldsV1(e.fieldsV1).map(key)),
  );
  const previous = entries
    .filter((e) => e.manager === manager && e.operation === 'Apply')
    .flatMap((e) => fromFieldsV1(e.fieldsV1));
  for (const p of previous)
    if (!appliedKeys.has(key(p)) && !ownedByOthers.has(key(p))) remove(base, p);
  for (const p of applied) set(base, p, get(config, p));
  for (const field of ['apiVersion', 'kind'] as const)
    if (config[field] !== undefined) base[field] = config[field];
  let next = withManager(entries, manager, 'Apply', apiVersion, applied);
  // Forced fields, and equal values, are shared or taken: a conflict forced moves ownership.
  if (force) next = disown(next, new Set(conflicts.length ? applied.map(key) : []), manager);
  const metadata = isObj(base.metadata) ? base.metadata : {};
  metadata.managedFields = next;
  base.metadata = metadata;
  return base;
}

/** After a non-apply write by `manager`, it owns the fields that changed. */
export function recordUpdate(
  before: JsonObject | undefined,
  after: JsonObject,
  manager: string,
): void {
  const changed = leafPaths(after).filter((p) => !deepEqual(get(before ?? {}, p), get(after, p)));
  const entries = managedFieldsOf(before);
  const mine = entries.find((e) => e.manager === manager && e.operation === 'Update');
  const paths = [...(mine ? fromFieldsV1(mine.fieldsV1) : []), ...changed].filter(
    (p) => get(after, p) !== undefined,
  );
  const unique = [...new Map(paths.map((p) => [key(p), p])).values()];
  const next = withManager(
    disown(entries, new Set(changed.map(key)), manager),
    manager,
    'Update',
    typeof after.apiVersion === 'string' ? after.apiVersion : '',
    unique,
  );
  const metadata = isObj(after.metadata) ? after.metadata : {};
  metadata.managedFields = next;
  after.metadata = metadata;
}
