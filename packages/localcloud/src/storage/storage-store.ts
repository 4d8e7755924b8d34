import { createHash } from 'node:crypto';
import { GoogleApiError, alreadyExists, invalidArgument } from '../google-apis/api-error';
import { timestamp } from '../google-apis/timestamps';
import { crc32cBase64 } from './crc32c';

type Obj = Record<string, unknown>;

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

  private nextGeneration(): string {
    // Microseconds since the epoch, strictly increasing, as real generations are.
    this.lastGeneration = Math.max(this.lastGeneration + 1, Date.now() * 1000);
    return String(this.lastGeneration);
  }

  createBucket(project: string, body: Obj): Obj {
    const name = body.name;
    if (typeof name !== 'string' || !/^[a-z0-9][a-z0-9._-]{1,220}[a-z0-9]$/.test(name)) {
      throw invalidArgument(`Invalid bucket name: ${String(name)}`);
    }
    if (this.buckets.has(name)) {
      throw alreadyExists(name);
    }
    const now = timestamp();
    const resource: Obj = {
      kind: 'storage#bucket',
      id: name,
      name,
      projectNumber: project,
      location: 'US',
      storageClass: 'STANDARD',
      locationType: 'multi-region',
      ...body,
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

  patchBucket(name: string, patch: Obj): Obj {
    const b = this.bucket(name);
    const metageneration = String(Number(b.resource.metageneration) + 1);
    b.resource = { ...b.resource, ...patch, name, metageneration, updated: timestamp() };
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
    const kept = this.versioned(bucket) ? versions : [];
    b.objects.set(name, [...kept, obj]);
    return obj;
  }

  remove(bucket: string, name: string, generation?: string, pre: Preconditions = {}): void {
    const b = this.bucket(bucket);
    const target = this.read(bucket, name, generation);
    this.check(target, pre);
    const versions = b.objects.get(name) ?? [];
    if (generation === undefined && this.versioned(bucket)) {
      target.timeDeleted = timestamp();
      return;
    }
    const rest = versions.filter((o) => o !== target);
    if (rest.length > 0) b.objects.set(name, rest);
    else b.objects.delete(name);
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

/** The JSON API's object resource. */
export function objectResource(o: StoredObject, origin: string): Obj {
  const id = `${o.bucket}/${o.name}/${o.generation}`;
  const path = `b/${encodeURIComponent(o.bucket)}/o/${encodeURIComponent(o.name)}`;
  const resource: Obj = {
    kind: 'storage#object',
    id,
    selfLink: `${origin}/storage/v1/${path}`,
    mediaLink: `${origin}/download/storage/v1/${path}?generation=${o.generation}&alt=media`,
    name: o.name,
    bucket: o.bucket,
    generation: o.generation,
    metageneration: o.metageneration,
    contentType: o.contentType,
    storageClass: 'STANDARD',
    size: String(o.data.length),
    md5Hash: createHash('md5').update(o.data).digest('base64'),
    crc32c: crc32cBase64(o.data),
    etag: Buffer.from(o.generation).toString('base64'),
    timeCreated: o.timeCreated,
    updated: o.timeCreated,
  };
  if (o.metadata) resource.metadata = o.metadata;
  if (o.timeDeleted) resource.timeDeleted = o.timeDeleted;
  return resource;
}
