import { GoogleApiError, alreadyExists, invalidArgument } from '../google-apis/api-error';
import { checkLifecycle } from './bucket-lifecycle';

type Obj = Record<string, unknown>;

/** The JSON API's times are RFC 3339 in milliseconds (gcloud warns on more digits). */
const timestamp = (): string => new Date().toISOString();

export interface StoredObject {
  bucket: string;
  name: string;
  generation: string;
  metageneration: string;
  contentType: string;
  data: Buffer;
  metadata?: Record<string, string>;
  timeCreated: string;
  /** Set when a newer generation (or a delete) replaced it in a versioned bucket. */
  timeDeleted?: string;
}

interface Bucket {
  resource: Obj;
  /** Every kept generation, oldest first; the live one (if any) is last and not deleted. */
  objects: Map<string, StoredObject[]>;
}

/** The object events Cloud Storage notifications report. */
export const ObjectEventType = {
  FINALIZE: 'OBJECT_FINALIZE',
  METADATA_UPDATE: 'OBJECT_METADATA_UPDATE',
  DELETE: 'OBJECT_DELETE',
  ARCHIVE: 'OBJECT_ARCHIVE',
} as const;
export type ObjectEventType = (typeof ObjectEventType)[keyof typeof ObjectEventType];

export interface ObjectEvent {
  type: ObjectEventType;
  object: StoredObject;
  /** On a finalize that replaced a live object: that object's generation. */
  overwroteGeneration?: string;
  /** On the delete or archive of an object replaced by a write: the new generation. */
  overwrittenByGeneration?: string;
  eventTime: string;
}

export interface Preconditions {
  ifGenerationMatch?: string;
  ifGenerationNotMatch?: string;
  ifMetagenerationMatch?: string;
}

function preconditionFailed(): GoogleApiError {
  return new GoogleApiError(
    412,
    'At least one of the pre-conditions you specified did not hold.',
    'FAILED_PRECONDITION',
  );
}

/** Buckets and objects with generations, as Cloud Storage keeps them. */
export class StorageStore {
  private readonly buckets = new Map<string, Bucket>();
  private lastGeneration = 0;
  private readonly listeners = new Set<(e: ObjectEvent) => void>();

  /** Calls `listener` on every finalize, delete and archive; returns the unsubscribe. */
  onObjectEvent(listener: (e: ObjectEvent) => void): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }

  private emit(type: ObjectEventType, object: StoredObject, more: Partial<ObjectEvent> = {}): void {
    const event: ObjectEvent = { type, object, eventTime: timestamp(), ...more };
    for (const listener of this.listeners) listener(event);
  }

  private nextGeneration(): string {
    // Microseconds since the epoch, strictly increasing, as real generations are.
    this.lastGeneration = Math.max(this.lastGeneration + 1, Date.now() * 1000);
    return String(this.lastGeneration);
  }

  /** `projectNumber`: the owning project's number (gcloud parses it as an integer). */
  createBucket(projectNumber: string, body: Obj): Obj {
    const name = body.name;
    if (typeof name !== 'string' || !/^[a-z0-9][a-z0-9._-]{1,220}[a-z0-9]$/.test(name)) {
      throw invalidArgument(`Invalid bucket name: ${String(name)}`);
    }
    if (this.buckets.has(name)) {
      throw alreadyExists(name);
    }
    const now = timestamp();
    // Locations come back upper-cased; US, EU and ASIA are the multi-regions.
    const location = (typeof body.location === 'string' ? body.location : 'US').toUpperCase();
    const resource: Obj = {
      kind: 'storage#bucket',
      id: name,
      name,
      storageClass: 'STANDARD',
      locationType: ['US', 'EU', 'ASIA'].includes(location) ? 'multi-region' : 'region',
      ...body,
      location,
      projectNumber,
      metageneration: '1',
      timeCreated: now,
      updated: now,
      etag: 'CAE=',
    };
    this.buckets.set(name, { resource, objects: new Map() });
    return { ...resource };
  }

  /** The bucket, created when `implicit` (Google-owned upload buckets exist already). */
  bucket(name: string, implicit = false): Bucket {
    let found = this.buckets.get(name);
    if (!found && implicit) {
      this.createBucket('0', { name });
      found = this.buckets.get(name);
    }
    if (!found) throw new GoogleApiError(404, 'The specified bucket does not exist.', 'NOT_FOUND');
    return found;
  }

  /**
   * Patch semantics: a field given replaces the stored one (`lifecycle.rule` whole, as
   * the JSON API does), a `null` removes it; the metageneration goes up either way.
   */
  patchBucket(name: string, patch: Obj): Obj {
    const b = this.bucket(name);
    checkLifecycle(patch.lifecycle);
    const metageneration = String(Number(b.resource.metageneration) + 1);
    const next: Obj = { ...b.resource };
    for (const [key, value] of Object.entries(patch)) {
      if (value === null) delete next[key];
      else next[key] = value;
    }
    b.resource = { ...next, name, metageneration, updated: timestamp() };
    return { ...b.resource };
  }

  versioned(name: string): boolean {
    const v = this.bucket(name).resource.versioning as Obj | undefined;
    return v?.enabled === true;
  }

  live(bucket: string, name: string): StoredObject | undefined {
    const versions = this.bucket(bucket).objects.get(name);
    const last = versions?.at(-1);
    return last && last.timeDeleted === undefined ? last : undefined;
  }

  /** The live object, or the given generation (live or kept); 404 otherwise. */
  read(bucket: string, name: string, generation?: string): StoredObject {
    const versions = this.bucket(bucket).objects.get(name) ?? [];
    const found =
      generation === undefined
        ? this.live(bucket, name)
        : versions.find((o) => o.generation === generation);
    if (!found) throw new GoogleApiError(404, `No such object: ${bucket}/${name}`, 'NOT_FOUND');
    return found;
  }

  write(
    bucket: string,
    name: string,
    data: Buffer,
    meta: { contentType?: string; metadata?: Record<string, string> },
    pre: Preconditions = {},
  ): StoredObject {
    if (name === '' || name.length > 1024) throw invalidArgument(`Invalid object name: ${name}`);
    const b = this.bucket(bucket);
    const current = this.live(bucket, name);
    this.check(current, pre);
    const obj: StoredObject = {
      bucket,
      name,
      generation: this.nextGeneration(),
      metageneration: '1',
      contentType: meta.contentType ?? 'application/octet-stream',
      data,
      timeCreated: timestamp(),
    };
    if (meta.metadata) obj.metadata = meta.metadata;
    const versions = b.objects.get(name) ?? [];
    if (current) current.timeDeleted = obj.timeCreated;
    const versioned = this.versioned(bucket);
    b.objects.set(name, [...(versioned ? versions : []), obj]);
    this.emit(
      ObjectEventType.FINALIZE,
      obj,
      current ? { overwroteGeneration: current.generation } : {},
    );
    if (current) {
      this.emit(versioned ? ObjectEventType.ARCHIVE : ObjectEventType.DELETE, current, {
        overwrittenByGeneration: obj.generation,
      });
    }
    return obj;
  }

  remove(bucket: string, name: string, generation?: string, pre: Preconditions = {}): void {
    const b = this.bucket(bucket);
    const target = this.read(bucket, name, generation);
    this.check(target, pre);
    const versions = b.objects.get(name) ?? [];
    if (generation === undefined && this.versioned(bucket)) {
      target.timeDeleted = timestamp();
      this.emit(ObjectEventType.ARCHIVE, target);
      return;
    }
    const rest = versions.filter((o) => o !== target);
    if (rest.length > 0) b.objects.set(name, rest);
    else b.objects.delete(name);
    this.emit(ObjectEventType.DELETE, target);
  }

  list(bucket: string, opts: { prefix?: string; versions?: boolean }): StoredObject[] {
    const out: StoredObject[] = [];
    for (const [name, versions] of [...this.bucket(bucket).objects.entries()].sort(([a], [b]) =>
      a.localeCompare(b),
    )) {
      if (opts.prefix && !name.startsWith(opts.prefix)) continue;
      if (opts.versions) out.push(...versions);
      else {
        const live = this.live(bucket, name);
        if (live) out.push(live);
      }
    }
    return out;
  }

  private check(current: StoredObject | undefined, pre: Preconditions): void {
    const generation = current?.generation ?? '0';
    if (pre.ifGenerationMatch !== undefined && pre.ifGenerationMatch !== generation)
      throw preconditionFailed();
    if (pre.ifGenerationNotMatch !== undefined && pre.ifGenerationNotMatch === generation)
      throw preconditionFailed();
    if (
      pre.ifMetagenerationMatch !== undefined &&
      pre.ifMetagenerationMatch !== current?.metageneration
    )
      throw preconditionFailed();
  }
}
