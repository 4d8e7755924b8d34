import { randomUUID } from 'node:crypto';
import { isObj } from '@maskops/shared';
import type { PolicyStore } from '../google-apis/iam-policy';
import { GoogleApiError, invalidArgument } from '../google-apis/api-error';
import { parseMultipartRelated } from './multipart';
import type { BucketNotifications } from './notifications';
import { objectResource } from './object-resource';
import type { Preconditions, StorageStore } from './storage-store';

/** A request to the Cloud Storage stand-in: the raw body, since uploads are not JSON. */
export interface StorageCall {
  method: string;
  path: string;
  query: URLSearchParams;
  body: Buffer;
  contentType: string;
  origin: string;
}

/** A resumable upload begun and not yet finished. */
export interface UploadSession {
  bucket: string;
  name: string;
  contentType?: string;
  metadata?: Record<string, string>;
  pre: Preconditions;
}

export interface StorageReply {
  status: number;
  /** JSON answer; absent when `media` is. */
  body?: unknown;
  media?: { data: Buffer; contentType: string; generation: string };
  headers?: Record<string, string>;
}

/** Does this path belong to Cloud Storage (JSON API, uploads, downloads, signed-URL uploads)? */
export function isStoragePath(path: string): boolean {
  return /^\/(storage\/v1|upload\/storage\/v1|download\/storage\/v1|upload-signed)\//.test(path);
}

function preconditions(q: URLSearchParams): Preconditions {
  const pre: Preconditions = {};
  for (const key of [
    'ifGenerationMatch',
    'ifGenerationNotMatch',
    'ifMetagenerationMatch',
  ] as const) {
    const v = q.get(key);
    if (v !== null) pre[key] = v;
  }
  return pre;
}

function json(body: Buffer): Record<string, unknown> {
  if (body.length === 0) return {};
  try {
    const parsed: unknown = JSON.parse(body.toString('utf8'));
    if (isObj(parsed)) return parsed;
  } catch {
    // answered below
  }
  throw invalidArgument('Invalid JSON payload received.');
}

function stringMap(v: unknown): Record<string, string> | undefined {
  return isObj(v)
    ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, String(x)]))
    : undefined;
}

/** What the Cloud Storage routes work on. */
export interface StorageContext {
  store: StorageStore;
  policies: PolicyStore;
  sessions: Map<string, UploadSession>;
  notifications: BucketNotifications;
  projectNumber: (project: string) => string;
}

/**
 * The Cloud Storage JSON API subset: buckets (insert, get, patch, IAM, notification
 * configurations), the project's service agent, objects
 * (media, multipart and resumable uploads, get, `alt=media`, list with versions,
 * delete) with generations and preconditions, and uploads to signed URLs. Undefined
 * when no route matches.
 */
export function handleStorage(ctx: StorageContext, call: StorageCall): StorageReply | undefined {
  const { store, policies, sessions } = ctx;
  const { method, query: q, origin } = call;
  const p = call.path;
  let m: RegExpExecArray | null;
  const d = decodeURIComponent;
  if ((m = /^\/upload-signed\/([^/]+)\/(.+)$/.exec(p)) && method === 'PUT') {
    // The upload buckets of Cloud Functions belong to Google: they exist already.
    store.bucket(d(m[1] ?? ''), true);
    store.write(d(m[1] ?? ''), d(m[2] ?? ''), call.body, { contentType: call.contentType }, {});
    return { status: 200, body: {} };
  }
  if ((m = /^\/upload\/storage\/v1\/b\/([^/]+)\/o$/.exec(p))) {
    const bucket = d(m[1] ?? '');
    const type = q.get('uploadType');
    if (method === 'POST' && type === 'media') {
      const o = store.write(
        bucket,
        q.get('name') ?? '',
        call.body,
        { contentType: call.contentType || undefined },
        preconditions(q),
      );
      return { status: 200, body: objectResource(o, origin) };
    }
    if (method === 'POST' && type === 'multipart') {
      const { metadata, media, mediaType } = parseMultipartRelated(call.contentType, call.body);
      const name = typeof metadata.name === 'string' ? metadata.name : (q.get('name') ?? '');
      const contentType =
        typeof metadata.contentType === 'string' ? metadata.contentType : mediaType;
      const o = store.write(
        bucket,
        name,
        media,
        { contentType, metadata: stringMap(metadata.metadata) },
        preconditions(q),
      );
      return { status: 200, body: objectResource(o, origin) };
    }
    if (method === 'POST' && type === 'resumable') {
      store.bucket(bucket);
      const meta = json(call.body);
      const id = randomUUID();
      const name = typeof meta.name === 'string' ? meta.name : (q.get('name') ?? '');
      const session: UploadSession = {
        bucket,
        name,
        pre: preconditions(q),
      };
      if (typeof meta.contentType === 'string') session.contentType = meta.contentType;
      const md = stringMap(meta.metadata);
      if (md) session.metadata = md;
      sessions.set(id, session);
      return {
        status: 200,
        body: {},
        headers: {
          location: `${origin}/upload/storage/v1/b/${m[1]}/o?uploadType=resumable&upload_id=${id}`,
        },
      };
    }
    if (method === 'PUT' && type === 'resumable') {
      const session = sessions.get(q.get('upload_id') ?? '');
      if (!session) throw new GoogleApiError(404, 'No such upload session.', 'NOT_FOUND');
      sessions.delete(q.get('upload_id') ?? '');
      const o = store.write(
        session.bucket,
        session.name,
        call.body,
        { contentType: session.contentType, metadata: session.metadata },
        session.pre,
      );
      return { status: 200, body: objectResource(o, origin) };
    }
    throw invalidArgument(`uploadType ${String(type)} is not supported by localcloud`);
  }
  if ((m = /^\/storage\/v1\/b$/.exec(p))) {
    if (method === 'POST')
      return {
        status: 200,
        body: store.createBucket(ctx.projectNumber(q.get('project') ?? ''), json(call.body)),
      };
    return undefined;
  }
  if ((m = /^\/storage\/v1\/b\/([^/]+)$/.exec(p))) {
    const bucket = d(m[1] ?? '');
    if (method === 'GET') return { status: 200, body: { ...store.bucket(bucket).resource } };
    if (method === 'PATCH')
      return { status: 200, body: store.patchBucket(bucket, json(call.body)) };
    return undefined;
  }
  const config = notificationRoutes(ctx, call);
  if (config) return config;
  if ((m = /^\/storage\/v1\/b\/([^/]+)\/iam$/.exec(p))) {
    const resource = `projects/_/buckets/${d(m[1] ?? '')}`;
    store.bucket(d(m[1] ?? ''));
    if (method === 'GET')
      return {
        status: 200,
        body: { kind: 'storage#policy', resourceId: resource, ...policies.get(resource) },
      };
    if (method === 'PUT')
      return {
        status: 200,
        body: {
          kind: 'storage#policy',
          resourceId: resource,
          ...policies.set(resource, json(call.body)),
        },
      };
    return undefined;
  }
  if ((m = /^\/storage\/v1\/b\/([^/]+)\/o$/.exec(p)) && method === 'GET') {
    const items = store
      .list(d(m[1] ?? ''), {
        prefix: q.get('prefix') ?? undefined,
        versions: q.get('versions') === 'true',
      })
      .map((o) => objectResource(o, origin));
    return {
      status: 200,
      body: items.length > 0 ? { kind: 'storage#objects', items } : { kind: 'storage#objects' },
    };
  }
  if ((m = /^\/(storage|download\/storage)\/v1\/b\/([^/]+)\/o\/(.+)$/.exec(p))) {
    const bucket = d(m[2] ?? '');
    const name = d(m[3] ?? '');
    const generation = q.get('generation') ?? undefined;
    if (method === 'GET') {
      const o = store.read(bucket, name, generation);
      if (q.get('alt') === 'media' || m[1] === 'download/storage') {
        return {
          status: 200,
          media: { data: o.data, contentType: o.contentType, generation: o.generation },
        };
      }
      return { status: 200, body: objectResource(o, origin) };
    }
    if (method === 'DELETE') {
      store.remove(bucket, name, generation, preconditions(q));
      return { status: 204 };
    }
  }
  return undefined;
}

/**
 * `notificationConfigs` of a bucket (insert, list, get, delete) and the project's
 * Cloud Storage service agent, which gcloud grants the publisher role on the topic.
 */
function notificationRoutes(ctx: StorageContext, call: StorageCall): StorageReply | undefined {
  const { method, path: p } = call;
  let m: RegExpExecArray | null;
  const d = decodeURIComponent;
  if ((m = /^\/storage\/v1\/projects\/([^/]+)\/serviceAccount$/.exec(p)) && method === 'GET') {
    // gcloud asks by the bucket's project number; a project id maps to its number.
    const project = d(m[1] ?? '');
    const num = /^\d+$/.test(project) ? project : ctx.projectNumber(project);
    const email = `service-${num}@gs-project-accounts.iam.gserviceaccount.com`;
    return { status: 200, body: { kind: 'storage#serviceAccount', email_address: email } };
  }
  if ((m = /^\/storage\/v1\/b\/([^/]+)\/notificationConfigs$/.exec(p))) {
    const bucket = d(m[1] ?? '');
    if (method === 'POST')
      return { status: 200, body: ctx.notifications.insert(bucket, json(call.body)) };
    if (method === 'GET') return { status: 200, body: ctx.notifications.list(bucket) };
    return undefined;
  }
  if ((m = /^\/storage\/v1\/b\/([^/]+)\/notificationConfigs\/([^/]+)$/.exec(p))) {
    const [bucket, id] = [d(m[1] ?? ''), d(m[2] ?? '')];
    if (method === 'GET') return { status: 200, body: ctx.notifications.get(bucket, id) };
    if (method === 'DELETE') {
      ctx.notifications.delete(bucket, id);
      return { status: 204 };
    }
  }
  return undefined;
}
