import { isObj } from '@maskops/shared';
import { fromFieldsV1, pathKey, pathText, removeAt, toFieldsV1, valueAt } from './field-paths';
import type { FieldPath } from './field-paths';
import { fieldSet, mergeApplied } from './field-set';
import { deepCopy, deepEqual } from './json-value';
import type { JsonObject } from './json-value';
import { KubeApiError } from './status';

/**
 * Server-side apply with field managers, as the API server does it for what setup.sh
 * and the deployer write: each manager owns the fields it last applied (or changed),
 * down to single fields inside elements of associative lists (`containers` by name),
 * so two managers can share a Deployment's container and each own its own fields.
 * https://kubernetes.io/docs/reference/using-api/server-side-apply/
 */
interface ManagedFieldsEntry {
  manager: string;
  operation: 'Apply' | 'Update';
  apiVersion: string;
  time: string;
  fieldsType: 'FieldsV1';
  fieldsV1: JsonObject;
}

type Operation = ManagedFieldsEntry['operation'];

function managedFieldsOf(obj: unknown): ManagedFieldsEntry[] {
  const meta = isObj(obj) && isObj(obj.metadata) ? obj.metadata : {};
  return Array.isArray(meta.managedFields)
    ? (deepCopy(meta.managedFields) as ManagedFieldsEntry[])
    : [];
}

function now(): string {
  return new Date().toISOString().replace(/\.\d+Z$/, 'Z');
}

/** A manager is its name and operation: an Update and an Apply by one name are two owners. */
const same = (e: ManagedFieldsEntry, manager: string, operation: Operation): boolean =>
  e.manager === manager && e.operation === operation;

function withManager(
  entries: ManagedFieldsEntry[],
  manager: string,
  operation: Operation,
  apiVersion: string,
  paths: FieldPath[],
): ManagedFieldsEntry[] {
  const rest = entries.filter((e) => !same(e, manager, operation));
  if (paths.length === 0) return rest;
  const fieldsV1 = toFieldsV1(paths);
  const old = entries.find((e) => same(e, manager, operation));
  // The time moves only when what the manager owns changes.
  const time = old && deepEqual(old.fieldsV1, fieldsV1) ? old.time : now();
  return [...rest, { manager, operation, apiVersion, time, fieldsType: 'FieldsV1', fieldsV1 }];
}

/** Removes `taken` paths from every other manager; drops managers left with nothing. */
function disown(
  entries: ManagedFieldsEntry[],
  taken: Set<string>,
  manager: string,
  operation: Operation,
): ManagedFieldsEntry[] {
  if (taken.size === 0) return entries;
  return entries.flatMap((e) => {
    if (same(e, manager, operation)) return [e];
    const kept = fromFieldsV1(e.fieldsV1).filter((p) => !taken.has(pathKey(p)));
    return kept.length === 0 ? [] : [{ ...e, fieldsV1: toFieldsV1(kept) }];
  });
}

function ownerName(e: ManagedFieldsEntry): string {
  return e.operation === 'Update'
    ? `${JSON.stringify(e.manager)} using ${e.apiVersion}`
    : JSON.stringify(e.manager);
}

/** The API server's words for a refused apply (one line per field). */
function conflictError(conflicts: Array<{ owner: string; path: FieldPath }>): KubeApiError {
  const first = conflicts[0];
  if (conflicts.length === 1 && first)
    return new KubeApiError(
      409,
      `Apply failed with 1 conflict: conflict with ${first.owner}: ${pathText(first.path)}`,
      'Conflict',
    );
  const owners = [...new Set(conflicts.map((c) => c.owner))].sort();
  const lines = owners.flatMap((owner) => [
    `conflicts with ${owner}:`,
    ...conflicts
      .filter((c) => c.owner === owner)
      .map((c) => `- ${pathText(c.path)}`)
      .sort(),
  ]);
  return new KubeApiError(
    409,
    `Apply failed with ${conflicts.length} conflicts: ${lines.join('\n')}`,
    'Conflict',
  );
}

/** What the applier sends that is never merged: the server's own fields. */
function appliedPart(config: JsonObject): JsonObject {
  const { status: _status, ...rest } = deepCopy(config);
  if (isObj(rest.metadata)) {
    const { managedFields: _m, resourceVersion: _rv, uid: _uid, ...meta } = rest.metadata;
    rest.metadata = meta;
  }
  return rest;
}

/**
 * The object after `manager` applies `config` to `current` (undefined: create).
 * A field another manager owns with a different value is a conflict (409) unless
 * `force`, which takes the field over; with the same value both own it. Fields the
 * manager applied before and leaves out now are released, and removed unless
 * another manager still owns them (or something below them).
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
  const applied = fieldSet(config);
  const appliedKeys = new Set(applied.map(pathKey));
  const conflicts: Array<{ owner: string; path: FieldPath }> = [];
  for (const e of entries) {
    if (same(e, manager, 'Apply')) continue;
    for (const p of fromFieldsV1(e.fieldsV1)) {
      if (p[p.length - 1] === '.' || !appliedKeys.has(pathKey(p))) continue;
      if (!deepEqual(valueAt(base, p), valueAt(config, p)))
        conflicts.push({ owner: ownerName(e), path: p });
    }
  }
  if (conflicts.length > 0 && !force) throw conflictError(conflicts);

  const merged = mergeApplied(base, appliedPart(config)) as JsonObject;
  const others = entries
    .filter((e) => !same(e, manager, 'Apply'))
    .flatMap((e) => fromFieldsV1(e.fieldsV1));
  const kept = [...others, ...applied].map(pathKey);
  const previous = entries
    .filter((e) => same(e, manager, 'Apply'))
    .flatMap((e) => fromFieldsV1(e.fieldsV1));
  // Released and owned by nobody, nor anything below it: gone from the object.
  for (const p of previous) {
    const k = pathKey(p[p.length - 1] === '.' ? p.slice(0, -1) : p);
    if (!kept.some((o) => o === k || o.startsWith(`${k}\n`))) removeAt(merged, p);
  }
  // Forced conflicts move to the applier; fields set to an equal value stay shared.
  const taken = new Set(conflicts.map((c) => pathKey(c.path)));
  const next = withManager(
    disown(entries, taken, manager, 'Apply'),
    manager,
    'Apply',
    apiVersion,
    applied,
  );
  const metadata = isObj(merged.metadata) ? merged.metadata : {};
  metadata.managedFields = next;
  merged.metadata = metadata;
  return merged;
}

/** After a non-apply write by `manager`, it owns the fields that changed, taken from the others. */
export function recordUpdate(
  before: JsonObject | undefined,
  after: JsonObject,
  manager: string,
): void {
  const changed = fieldSet(after).filter((p) =>
    // An element's `.` changes only when the element is new.
    p[p.length - 1] === '.'
      ? valueAt(before ?? {}, p) === undefined
      : !deepEqual(valueAt(before ?? {}, p), valueAt(after, p)),
  );
  const entries = managedFieldsOf(before);
  const mine = entries.find((e) => same(e, manager, 'Update'));
  const paths = [...(mine ? fromFieldsV1(mine.fieldsV1) : []), ...changed].filter(
    (p) => valueAt(after, p) !== undefined,
  );
  const unique = [...new Map(paths.map((p) => [pathKey(p), p])).values()];
  const stillThere = (e: ManagedFieldsEntry): ManagedFieldsEntry[] => {
    const kept = fromFieldsV1(e.fieldsV1).filter((p) => valueAt(after, p) !== undefined);
    return kept.length === 0 ? [] : [{ ...e, fieldsV1: toFieldsV1(kept) }];
  };
  const next = withManager(
    disown(entries, new Set(changed.map(pathKey)), manager, 'Update').flatMap(stillThere),
    manager,
    'Update',
    typeof after.apiVersion === 'string' ? after.apiVersion : '',
    unique,
  );
  const metadata = isObj(after.metadata) ? after.metadata : {};
  metadata.managedFields = next;
  after.metadata = metadata;
}
