import { KubeApiError } from './status';
import { isObj, textOf } from '@maskops/shared';
import { deepCopy } from './json-value';
import type { JsonObject } from './json-value';

/**
 * Merge keys of the list fields a Deployment has (k8s.io/api `patchMergeKey` tags). Lists not
 * named here are atomic: the patch replaces them, as the API server does.
 */
const MERGE_KEYS: Readonly<Record<string, string>> = {
  containers: 'name',
  initContainers: 'name',
  ephemeralContainers: 'name',
  env: 'name',
  ports: 'containerPort',
  volumes: 'name',
  volumeMounts: 'mountPath',
  volumeDevices: 'devicePath',
  conditions: 'type',
  imagePullSecrets: 'name',
  hostAliases: 'ip',
  resourceClaims: 'name',
};

/** Primitive lists whose patch strategy is merge (set union) rather than replace. */
const MERGED_PRIMITIVE_LISTS = new Set(['finalizers']);

const SET_ORDER = '$setElementOrder/';
const DELETE_PRIMITIVE = '$deleteFromPrimitiveList/';
const DELETED = Symbol('deleted');

/** Strategic merge patch (`application/strategic-merge-patch+json`) for Deployment objects. */
export function applyStrategicMergePatch(target: unknown, patch: unknown): unknown {
  if (!isObj(patch)) throw new KubeApiError(400, 'strategic merge patch must be an object');
  const merged = mergeMap(isObj(target) ? target : {}, patch);
  return merged === DELETED ? {} : merged;
}

function mergeMap(original: JsonObject, patch: JsonObject): JsonObject | typeof DELETED {
  const directive = patch.$patch;
  if (directive === 'delete') return DELETED;
  if (directive === 'replace') return stripDirectives(patch);
  if (directive !== undefined && directive !== 'merge') {
    throw new KubeApiError(400, `unknown patch directive "${textOf(directive)}"`);
  }
  const result: JsonObject = deepCopy(original);
  const orders: Array<[string, unknown]> = [];
  for (const [key, value] of Object.entries(patch)) {
    if (key === '$patch' || key === '$retainKeys') continue;
    if (key.startsWith(SET_ORDER)) {
      orders.push([key.slice(SET_ORDER.length), value]);
      continue;
    }
    if (key.startsWith(DELETE_PRIMITIVE)) {
      const field = key.slice(DELETE_PRIMITIVE.length);
      const drop = Array.isArray(value) ? value : [];
      const current = result[field];
      if (Array.isArray(current)) result[field] = current.filter((v) => !drop.includes(v));
      continue;
    }
    if (value === null) {
      delete result[key];
    } else if (Array.isArray(value)) {
      const mergeKey = MERGE_KEYS[key];
      const current = result[key];
      if (mergeKey !== undefined) {
        result[key] = mergeList(Array.isArray(current) ? current : [], value, mergeKey);
      } else if (MERGED_PRIMITIVE_LISTS.has(key) && Array.isArray(current)) {
        const kept: unknown[] = current;
        const added: unknown[] = value.filter((v) => !kept.includes(v));
        result[key] = [...kept, ...added];
      } else {
        result[key] = stripDirectives(value);
      }
    } else if (isObj(value)) {
      const current = result[key];
      const merged = mergeMap(isObj(current) ? current : {}, value);
      if (merged === DELETED) delete result[key];
      else result[key] = merged;
    } else {
      result[key] = value;
    }
  }
  for (const [field, order] of orders) {
    const list = result[field];
    const mergeKey = MERGE_KEYS[field];
    if (Array.isArray(list) && Array.isArray(order)) {
      result[field] = reorder(list, order, mergeKey);
    }
  }
  const retain = patch.$retainKeys;
  if (Array.isArray(retain)) {
    for (const key of Object.keys(result)) if (!retain.includes(key)) delete result[key];
  }
  return result;
}

function keyOf(item: unknown, mergeKey: string): unknown {
  return isObj(item) ? item[mergeKey] : undefined;
}

function mergeList(original: unknown[], patch: unknown[], mergeKey: string): unknown[] {
  // A `{"$patch":"replace"}` element makes the rest of the patch list the whole new list.
  if (patch.some((item) => isObj(item) && item.$patch === 'replace' && !(mergeKey in item))) {
    return patch
      .filter((item) => !(isObj(item) && item.$patch === 'replace' && !(mergeKey in item)))
      .map((item) => stripDirectives(item));
  }
  let result = deepCopy(original);
  for (const item of patch) {
    if (!isObj(item)) {
      throw new KubeApiError(400, `list element ${JSON.stringify(item)} is not an object`);
    }
    const key = item[mergeKey];
    if (key === undefined) {
      throw new KubeApiError(
        422,
        `map ${JSON.stringify(item)} does not contain merge key ${mergeKey}`,
      );
    }
    const index = result.findIndex((existing) => keyOf(existing, mergeKey) === key);
    if (item.$patch === 'delete') {
      result = result.filter((existing) => keyOf(existing, mergeKey) !== key);
      continue;
    }
    const base = index >= 0 && isObj(result[index]) ? result[index] : {};
    const merged = mergeMap(base, item);
    if (merged === DELETED) continue;
    if (index >= 0) result[index] = merged;
    else result.push(merged);
  }
  return result;
}

function reorder(list: unknown[], order: unknown[], mergeKey: string | undefined): unknown[] {
  const rank = (item: unknown): number => {
    const index = order.findIndex((o) =>
      mergeKey === undefined ? o === item : keyOf(o, mergeKey) === keyOf(item, mergeKey),
    );
    return index < 0 ? order.length : index;
  };
  // Array.prototype.sort is stable, so items missing from the order keep their relative place.
  return [...list].sort((a, b) => rank(a) - rank(b));
}

function stripDirectives<T>(value: T): T {
  if (Array.isArray(value)) return value.map((v: unknown) => stripDirectives(v)) as T;
  if (!isObj(value)) return value;
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(value)) {
    if (k.startsWith('$')) continue;
    out[k] = stripDirectives(v);
  }
  return out as T;
}
