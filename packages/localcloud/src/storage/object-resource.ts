import { createHash } from 'node:crypto';
import { crc32cBase64 } from './crc32c';
import type { StoredObject } from './storage-store';

type Obj = Record<string, unknown>;

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
