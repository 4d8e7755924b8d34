import { isObj } from '@maskops/shared';
import type { JsonObject } from './json-value';
import { deepEqual } from './json-value';
import { KubeApiError } from './status';

/**
 * Field paths as the API server writes them in `managedFields` (FieldsV1): each step
 * is `f:<field>`, `k:<key fields as JSON>` (an element of an associative list),
 * `v:<value>` (an element of a set) or `.` (the element itself).
 */
export type FieldPath = string[];

/**
 * Associative lists (OpenAPI `x-kubernetes-list-type: map`) and their
 * `x-kubernetes-list-map-keys`, for the kinds localcloud stores. Any other list is
 * atomic: owned, compared and replaced whole, as the API server does.
 */
const MAP_KEYS: Readonly<Record<string, readonly string[]>> = {
  containers: ['name'],
  initContainers: ['name'],
  ephemeralContainers: ['name'],
  env: ['name'],
  volumes: ['name'],
  volumeMounts: ['mountPath'],
  volumeDevices: ['devicePath'],
  imagePullSecrets: ['name'],
  hostAliases: ['ip'],
  resourceClaims: ['name'],
  topologySpreadConstraints: ['topologyKey', 'whenUnsatisfiable'],
  conditions: ['type'],
  // Gateway API: a Gateway's listeners.
  listeners: ['name'],
};
const CONTAINER_LISTS = new Set(['containers', 'initContainers', 'ephemeralContainers']);

/** Key fields the server defaults before it keys the element (a port's protocol). */
const KEY_DEFAULTS: Readonly<Record<string, unknown>> = { protocol: 'TCP' };

/** The key fields of the list at `names` (field names from the root), or undefined: atomic. */
export function listKeys(names: readonly string[]): readonly string[] | undefined {
  const last = names[names.length - 1] ?? '';
  if (last === 'ports') {
    const parent = names[names.length - 2] ?? '';
    if (CONTAINER_LISTS.has(parent)) return ['containerPort', 'protocol'];
    // A Service's spec.ports (a NetworkPolicy's ports lists are atomic).
    if (names.length === 2 && names[0] === 'spec') return ['port', 'protocol'];
    return undefined;
  }
  return MAP_KEYS[last];
}

function keyValue(item: unknown, field: string): unknown {
  return (isObj(item) ? item[field] : undefined) ?? KEY_DEFAULTS[field];
}

/** The `k:` step of a list element; a 422 when a key field is missing, as the API server. */
export function keyStep(item: unknown, keys: readonly string[], names: readonly string[]): string {
  const key: JsonObject = {};
  for (const field of [...keys].sort()) {
    const value = keyValue(item, field);
    if (value === undefined)
      throw new KubeApiError(
        422,
        `.${names.join('.')}: element ${JSON.stringify(item)} has no key field "${field}"`,
      );
    key[field] = value;
  }
  return `k:${JSON.stringify(key)}`;
}

/** The element of `list` a `k:` or `v:` step names. */
export function findElement(list: unknown[], step: string): number {
  const value: unknown = JSON.parse(step.slice(2));
  if (step.startsWith('v:')) return list.findIndex((item) => deepEqual(item, value));
  const key = isObj(value) ? value : {};
  return list.findIndex((item) =>
    Object.entries(key).every(([field, v]) => deepEqual(keyValue(item, field), v)),
  );
}

/** The value at `path` (`.` is the node itself), or undefined. */
export function valueAt(obj: unknown, path: FieldPath): unknown {
  let node = obj;
  for (const step of path) {
    if (step === '.') continue;
    if (step.startsWith('f:')) node = isObj(node) ? node[step.slice(2)] : undefined;
    else if (Array.isArray(node)) node = node[findElement(node, step)];
    else node = undefined;
    if (node === undefined) return undefined;
  }
  return node;
}

/** Removes what `path` names from `obj` (a field, or a list element for `k:`/`v:`/`.`). */
export function removeAt(obj: unknown, path: FieldPath): void {
  const steps = path[path.length - 1] === '.' ? path.slice(0, -1) : path;
  const last = steps[steps.length - 1];
  if (last === undefined) return;
  const parent = valueAt(obj, steps.slice(0, -1));
  if (last.startsWith('f:')) {
    if (isObj(parent)) delete parent[last.slice(2)];
  } else if (Array.isArray(parent)) {
    const index = findElement(parent, last);
    if (index >= 0) parent.splice(index, 1);
  }
}

/** `.spec.template.spec.containers[name="app"].image`, as conflicts name a field. */
export function pathText(path: FieldPath): string {
  return path
    .map((step) => {
      if (step === '.') return '';
      if (step.startsWith('f:')) return `.${step.slice(2)}`;
      const value: unknown = JSON.parse(step.slice(2));
      if (step.startsWith('v:') || !isObj(value)) return `[${JSON.stringify(value)}]`;
      const fields = Object.entries(value).map(([k, v]) => `${k}=${JSON.stringify(v)}`);
      return `[${fields.join(',')}]`;
    })
    .join('');
}

export const pathKey = (path: FieldPath): string => path.join('\n');

export function toFieldsV1(paths: FieldPath[]): JsonObject {
  const root: JsonObject = {};
  for (const path of paths) {
    let node = root;
    for (const step of path) {
      node[step] = isObj(node[step]) ? node[step] : {};
      node = node[step] as JsonObject;
    }
  }
  return root;
}

export function fromFieldsV1(fields: unknown, prefix: FieldPath = []): FieldPath[] {
  if (!isObj(fields) || Object.keys(fields).length === 0) return prefix.length ? [prefix] : [];
  return Object.entries(fields).flatMap(([step, v]) => fromFieldsV1(v, [...prefix, step]));
}
