import { randomUUID } from 'node:crypto';
import { isObj } from '@maskops/shared';
import { deepCopy, deepEqual } from './json-value';
import type { JsonObject } from './json-value';
import type { ResourceKind } from './resource-kinds';
import { groupVersion } from './resource-kinds';
import { KubeApiError } from './status';

function qualified(kind: ResourceKind): string {
  return kind.group === '' ? kind.resource : `${kind.resource}.${kind.group}`;
}

const SYSTEM_NAMESPACES = ['default', 'kube-system', 'kube-public', 'kube-node-lease'];

/** Objects of every kind in RESOURCE_KINDS, with resourceVersion, uid and generation as the API server keeps them. */
export class ObjectStore {
  private readonly objects = new Map<string, JsonObject>();
  private revision = 1;

  constructor(namespaceKind: ResourceKind) {
    for (const name of SYSTEM_NAMESPACES) {
      this.create(namespaceKind, undefined, {
        apiVersion: 'v1',
        kind: 'Namespace',
        metadata: { name },
      });
    }
  }

  private key(kind: ResourceKind, namespace: string | undefined, name: string): string {
    return `${qualified(kind)}/${namespace ?? ''}/${name}`;
  }

  get(kind: ResourceKind, namespace: string | undefined, name: string): JsonObject | undefined {
    return deepCopy(this.objects.get(this.key(kind, namespace, name)));
  }

  require(kind: ResourceKind, namespace: string | undefined, name: string): JsonObject {
    const found = this.get(kind, namespace, name);
    if (!found)
      throw new KubeApiError(404, `${qualified(kind)} "${name}" not found`, 'NotFound', name);
    return found;
  }

  list(kind: ResourceKind, namespace: string | undefined): JsonObject[] {
    const prefix = `${qualified(kind)}/${namespace ?? ''}`;
    return [...this.objects.entries()]
      .filter(([k]) =>
        namespace === undefined ? k.startsWith(`${qualified(kind)}/`) : k.startsWith(`${prefix}/`),
      )
      .map(([, o]) => deepCopy(o));
  }

  get resourceVersion(): string {
    return String(this.revision);
  }

  private normalize(kind: ResourceKind, namespace: string | undefined, input: unknown): JsonObject {
    if (
      !isObj(input) ||
      !isObj(input.metadata) ||
      typeof input.metadata.name !== 'string' ||
      input.metadata.name === ''
    ) {
      throw new KubeApiError(
        422,
        `${kind.kind} "" is invalid: metadata.name: Required value: name or generateName is required`,
        'Invalid',
      );
    }
    const obj = deepCopy(input);
    obj.apiVersion = groupVersion(kind);
    obj.kind = kind.kind;
    const metadata = obj.metadata as JsonObject;
    if (kind.namespaced) {
      if (metadata.namespace !== undefined && metadata.namespace !== namespace) {
        throw new KubeApiError(
          400,
          'the namespace of the provided object does not match the namespace sent on the request',
          'BadRequest',
        );
      }
      metadata.namespace = namespace;
      if (namespace !== undefined && !this.objects.has(`namespaces//${namespace}`)) {
        throw new KubeApiError(404, `namespaces "${namespace}" not found`, 'NotFound', namespace);
      }
    } else delete metadata.namespace;
    return obj;
  }

  create(
    kind: ResourceKind,
    namespace: string | undefined,
    input: unknown,
    dryRun = false,
  ): JsonObject {
    const obj = this.normalize(kind, namespace, input);
    const metadata = obj.metadata as JsonObject;
    const name = String(metadata.name);
    if (this.objects.has(this.key(kind, namespace, name))) {
      throw new KubeApiError(
        409,
        `${qualified(kind)} "${name}" already exists`,
        'AlreadyExists',
        name,
      );
    }
    metadata.uid = randomUUID();
    metadata.creationTimestamp = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    if (obj.spec !== undefined) metadata.generation = 1;
    if (kind.kind === 'Namespace') obj.status = { phase: 'Active' };
    return this.commit(kind, namespace, obj, dryRun);
  }

  /** Replaces the object: a set `resourceVersion` must match; server-owned metadata is kept. */
  update(
    kind: ResourceKind,
    namespace: string | undefined,
    name: string,
    input: unknown,
    dryRun = false,
  ): JsonObject {
    const current = this.require(kind, namespace, name);
    const obj = this.normalize(kind, namespace, input);
    const metadata = obj.metadata as JsonObject;
    const currentMeta = current.metadata as JsonObject;
    if (metadata.name !== name)
      throw new KubeApiError(
        400,
        `the name of the object (${String(metadata.name)}) does not match the name on the URL (${name})`,
        'BadRequest',
      );
    const sent = metadata.resourceVersion;
    if (sent !== undefined && sent !== '' && sent !== currentMeta.resourceVersion) {
      throw new KubeApiError(
        409,
        `Operation cannot be fulfilled on ${qualified(kind)} "${name}": the object has been modified; please apply your changes to the latest version and try again`,
        'Conflict',
        name,
      );
    }
    for (const field of ['uid', 'creationTimestamp', 'generation', 'resourceVersion'])
      metadata[field] = currentMeta[field];
    if (current.status !== undefined) obj.status = current.status;
    if (deepEqual(obj, current)) return current;
    if (!deepEqual(obj.spec, current.spec) && currentMeta.generation !== undefined)
      metadata.generation = Number(currentMeta.generation) + 1;
    return this.commit(kind, namespace, obj, dryRun);
  }

  delete(
    kind: ResourceKind,
    namespace: string | undefined,
    name: string,
    dryRun = false,
  ): JsonObject {
    const current = this.require(kind, namespace, name);
    if (!dryRun) this.objects.delete(this.key(kind, namespace, name));
    return current;
  }

  private commit(
    kind: ResourceKind,
    namespace: string | undefined,
    obj: JsonObject,
    dryRun: boolean,
  ): JsonObject {
    if (dryRun) return deepCopy(obj);
    this.revision += 1;
    (obj.metadata as JsonObject).resourceVersion = String(this.revision);
    this.objects.set(
      this.key(kind, namespace, String((obj.metadata as JsonObject).name)),
      deepCopy(obj),
    );
    return deepCopy(obj);
  }
}
