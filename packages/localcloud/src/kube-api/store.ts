import { randomUUID } from 'node:crypto';
import { normalizeDeployment } from './deployment-object';
import type { Deployment } from './deployment-object';
import { deepCopy, deepEqual } from './json-value';
import { KubeApiError } from './status';

const WATCH_EVENT = { ADDED: 'ADDED', MODIFIED: 'MODIFIED', DELETED: 'DELETED' } as const;
type WatchEventType = (typeof WATCH_EVENT)[keyof typeof WATCH_EVENT];

export interface StoreEvent {
  type: WatchEventType;
  resourceVersion: number;
  object: Deployment;
}

/** What changed, for the rollout controller. */
export interface WriteNotice {
  before: Deployment | undefined;
  after: Deployment;
}

export interface WriteOptions {
  dryRun?: boolean;
  /** Set by `putDeployment`: the object starts fully rolled out instead of rolling. */
  settled?: boolean;
}

const EVENT_LOG_LIMIT = 10_000;

function withoutVersion(d: Deployment): Deployment {
  const copy = deepCopy(d);
  delete copy.metadata.resourceVersion;
  return copy;
}

function key(namespace: string, name: string): string {
  return `${namespace}/${name}`;
}

/** Deployments with Kubernetes' versioning rules, and a log of changes for watches. */
export class DeploymentStore {
  private readonly objects = new Map<string, Deployment>();
  private readonly log: StoreEvent[] = [];
  private readonly listeners = new Set<(e: StoreEvent) => void>();
  private revision = 1000;
  onWrite: (notice: WriteNotice, opts: WriteOptions) => void = () => undefined;

  get resourceVersion(): number {
    return this.revision;
  }

  /** The oldest resource version a watch can resume from. */
  get oldestWatchable(): number {
    return this.log[0] ? this.log[0].resourceVersion - 1 : this.revision;
  }

  get(namespace: string, name: string): Deployment | undefined {
    return deepCopy(this.objects.get(key(namespace, name)));
  }

  require(namespace: string, name: string): Deployment {
    const found = this.get(namespace, name);
    if (!found) {
      throw new KubeApiError(404, `deployments.apps "${name}" not found`, 'NotFound', name);
    }
    return found;
  }

  list(namespace?: string): Deployment[] {
    return [...this.objects.values()]
      .filter((d) => namespace === undefined || d.metadata.namespace === namespace)
      .map((d) => deepCopy(d));
  }

  create(input: unknown, namespace: string, opts: WriteOptions = {}): Deployment {
    const obj = normalizeDeployment(input, namespace);
    if (this.objects.has(key(namespace, obj.metadata.name))) {
      const message = `deployments.apps "${obj.metadata.name}" already exists`;
      throw new KubeApiError(409, message, 'AlreadyExists', obj.metadata.name);
    }
    const { metadata } = obj;
    metadata.uid = randomUUID();
    metadata.generation = 1;
    metadata.creationTimestamp = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
    delete metadata.deletionTimestamp;
    obj.status = {};
    return this.commit(undefined, obj, opts);
  }

  /**
   * Replaces the object (PUT, or the result of a patch). A non-empty `metadata.resourceVersion`
   * in `input` must match the stored one; status and server-owned metadata are kept.
   */
  update(input: unknown, namespace: string, name: string, opts: WriteOptions = {}): Deployment {
    const current = this.require(namespace, name);
    const obj = normalizeDeployment(input, namespace);
    if (obj.metadata.name !== name) {
      const message = `the name of the object (${obj.metadata.name}) does not match the name on the URL (${name})`;
      throw new KubeApiError(400, message, 'BadRequest', name);
    }
    const sent = obj.metadata.resourceVersion;
    if (sent !== undefined && sent !== '' && sent !== current.metadata.resourceVersion) {
      const message = `Operation cannot be fulfilled on deployments.apps "${name}": the object has been modified; please apply your changes to the latest version and try again`;
      throw new KubeApiError(409, message, 'Conflict', name);
    }
    for (const field of ['uid', 'creationTimestamp', 'generation'] as const) {
      obj.metadata[field] = current.metadata[field];
    }
    obj.status = current.status ?? {};
    if (!deepEqual(obj.spec, current.spec)) {
      obj.metadata.generation = Number(current.metadata.generation ?? 0) + 1;
    }
    if (!opts.settled && deepEqual(withoutVersion(obj), withoutVersion(current))) {
      // No-op writes do not change the resourceVersion, as in Kubernetes.
      return current;
    }
    return this.commit(current, obj, opts);
  }

  /** Status writes (the rollout controller): resourceVersion moves, generation does not. */
  writeStatus(namespace: string, name: string, status: Record<string, unknown>): Deployment {
    const current = this.require(namespace, name);
    if (deepEqual(current.status, status)) return current;
    const next = { ...current, status: deepCopy(status) };
    return this.commit(current, next, { settled: true }, false);
  }

  /** Metadata written by the controller, e.g. the revision annotation. */
  writeAnnotations(namespace: string, name: string, annotations: Record<string, string>): void {
    const current = this.require(namespace, name);
    const metadata = current.metadata as Record<string, unknown>;
    metadata.annotations = { ...(metadata.annotations ?? {}), ...annotations };
    this.commit(current, current, { settled: true }, false);
  }

  delete(namespace: string, name: string, opts: WriteOptions = {}): Deployment {
    const current = this.require(namespace, name);
    if (opts.dryRun) return current;
    this.objects.delete(key(namespace, name));
    this.revision += 1;
    current.metadata.resourceVersion = String(this.revision);
    this.emit({ type: WATCH_EVENT.DELETED, resourceVersion: this.revision, object: current });
    return deepCopy(current);
  }

  /** Events after `resourceVersion`, oldest first. */
  eventsSince(resourceVersion: number): StoreEvent[] {
    return this.log.filter((e) => e.resourceVersion > resourceVersion).map((e) => deepCopy(e));
  }

  subscribe(listener: (e: StoreEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private commit(
    before: Deployment | undefined,
    after: Deployment,
    opts: WriteOptions,
    notify = true,
  ): Deployment {
    if (opts.dryRun) return deepCopy(after);
    this.revision += 1;
    after.metadata.resourceVersion = String(this.revision);
    this.objects.set(key(after.metadata.namespace, after.metadata.name), deepCopy(after));
    const type = before ? WATCH_EVENT.MODIFIED : WATCH_EVENT.ADDED;
    this.emit({ type, resourceVersion: this.revision, object: deepCopy(after) });
    if (notify) this.onWrite({ before, after: deepCopy(after) }, opts);
    return this.require(after.metadata.namespace, after.metadata.name);
  }

  private emit(event: StoreEvent): void {
    this.log.push(event);
    if (this.log.length > EVENT_LOG_LIMIT) this.log.shift();
    for (const listener of this.listeners) listener(deepCopy(event));
  }
}
