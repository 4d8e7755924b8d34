import { isObj } from '@maskops/shared';
import { findElement, keyStep, listKeys } from './field-paths';
import type { FieldPath } from './field-paths';
import { deepCopy } from './json-value';
import type { JsonObject } from './json-value';

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

function managed(names: readonly string[], field: string): boolean {
  if (names.length === 0) return !UNMANAGED.has(field);
  if (names.length === 1 && names[0] === 'metadata') return !UNMANAGED_METADATA.has(field);
  return true;
}

/**
 * The fields `obj` sets, as the API server counts them: a leaf per scalar, empty
 * object and atomic list; an element of an associative list is `k:{…}` with a `.`
 * for the element itself and its own fields below it.
 */
export function fieldSet(obj: unknown, names: string[] = [], prefix: FieldPath = []): FieldPath[] {
  if (!isObj(obj)) return [];
  const out: FieldPath[] = [];
  for (const [field, value] of Object.entries(obj)) {
    if (!managed(names, field)) continue;
    const path = [...prefix, `f:${field}`];
    const fieldNames = [...names, field];
    const keys = Array.isArray(value) ? listKeys(fieldNames) : undefined;
    if (Array.isArray(value) && keys !== undefined) {
      for (const item of value) {
        const element = [...path, keyStep(item, keys, fieldNames)];
        out.push([...element, '.'], ...fieldSet(item, fieldNames, element));
      }
    } else if (isObj(value) && Object.keys(value).length > 0) {
      out.push(...fieldSet(value, fieldNames, path));
    } else {
      out.push(path);
    }
  }
  return out;
}

/**
 * `config` merged into `current`: objects field by field, associative lists element
 * by key (new elements appended), everything else replaced.
 */
export function mergeApplied(current: unknown, config: unknown, names: string[] = []): unknown {
  if (isObj(config) && isObj(current)) {
    const out: JsonObject = deepCopy(current);
    for (const [field, value] of Object.entries(config))
      out[field] = mergeApplied(current[field], value, [...names, field]);
    return out;
  }
  const keys = listKeys(names);
  if (Array.isArray(config) && Array.isArray(current) && keys !== undefined) {
    const out: unknown[] = deepCopy(current);
    for (const item of config) {
      const index = findElement(out, keyStep(item, keys, names));
      if (index >= 0) out[index] = mergeApplied(out[index], item, names);
      else out.push(deepCopy(item));
    }
    return out;
  }
  return deepCopy(config);
}
