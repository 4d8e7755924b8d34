import { randomBytes } from 'node:crypto';
import { isObj } from '@maskops/shared';

/** Methods Cloud Tasks accepts for an HTTP target. */
const HTTP_METHOD = {
  POST: 'POST',
  GET: 'GET',
  HEAD: 'HEAD',
  PUT: 'PUT',
  DELETE: 'DELETE',
  PATCH: 'PATCH',
  OPTIONS: 'OPTIONS',
} as const;
type HttpMethod = (typeof HTTP_METHOD)[keyof typeof HTTP_METHOD];

/** A task as the stand-in keeps it, after validation. */
export interface TaskSpec {
  /** `projects/P/locations/L/queues/Q/tasks/ID` */
  name: string;
  queue: string;
  id: string;
  scheduleTimeMs: number;
  createTimeMs: number;
  dispatchDeadlineMs: number;
  url: string;
  method: HttpMethod;
  headers: Record<string, string>;
  body: Buffer;
  oidc?: { serviceAccountEmail: string; audience: string };
}

/** A client mistake: the server answers 400 INVALID_ARGUMENT with this message. */
export class InvalidTask extends Error {}

export const QUEUE_PATTERN = /^projects\/[^/]+\/locations\/[^/]+\/queues\/[A-Za-z0-9-]{1,100}$/;
const TASK_ID = /^[A-Za-z0-9_-]{1,500}$/;
// Cloud Tasks refuses a scheduleTime more than 30 days ahead.
const MAX_SCHEDULE_AHEAD_MS = 30 * 24 * 3600 * 1000;
const MAX_URL_LENGTH = 2083;
const MIN_DEADLINE_MS = 15_000;
const MAX_DEADLINE_MS = 30 * 60_000;

function str(obj: Record<string, unknown>, key: string, where: string): string | undefined {
  const v = obj[key];
  if (v === undefined) return undefined;
  if (typeof v !== 'string') throw new InvalidTask(`${where}.${key} must be a string`);
  return v;
}

function parseTime(value: string, field: string): number {
  // RFC 3339 with a zone, as the Google JSON mapping of Timestamp requires.
  const ok = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/.test(value);
  const ms = ok ? Date.parse(value) : NaN;
  if (!Number.isFinite(ms)) throw new InvalidTask(`${field} is not an RFC 3339 timestamp`);
  return ms;
}

function parseDuration(value: string, field: string): number {
  const m = /^(\d+(?:\.\d{1,9})?)s$/.exec(value);
  if (!m) throw new InvalidTask(`${field} must be a duration like "30s"`);
  const ms = Number(m[1]) * 1000;
  if (ms < MIN_DEADLINE_MS || ms > MAX_DEADLINE_MS) {
    throw new InvalidTask(`${field} must be between 15s and 1800s`);
  }
  return ms;
}

function parseHeaders(v: unknown): Record<string, string> {
  if (v === undefined) return {};
  if (!isObj(v)) throw new InvalidTask('task.httpRequest.headers must be an object');
  const out: Record<string, string> = {};
  for (const [k, val] of Object.entries(v)) {
    if (typeof val !== 'string' || !/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(k)) {
      throw new InvalidTask(`task.httpRequest.headers["${k}"] is not a valid header`);
    }
    out[k] = val;
  }
  return out;
}

function parseBody(v: string | undefined): Buffer {
  if (v === undefined) return Buffer.alloc(0);
  // Google's JSON mapping of bytes is standard or URL-safe base64.
  if (!/^[A-Za-z0-9+/_-]*={0,2}$/.test(v)) {
    throw new InvalidTask('task.httpRequest.body must be base64');
  }
  return Buffer.from(v, 'base64');
}

function parseUrl(v: string | undefined): string {
  if (v === undefined) throw new InvalidTask('task.httpRequest.url is required');
  let url: URL;
  try {
    url = new URL(v);
  } catch {
    throw new InvalidTask('task.httpRequest.url is not a URL');
  }
  if ((url.protocol !== 'http:' && url.protocol !== 'https:') || v.length > MAX_URL_LENGTH) {
    throw new InvalidTask('task.httpRequest.url must be http(s) and at most 2083 characters');
  }
  return v;
}

function parseOidc(v: unknown, url: string): TaskSpec['oidc'] {
  if (v === undefined) return undefined;
  if (!isObj(v)) throw new InvalidTask('task.httpRequest.oidcToken must be an object');
  const email = str(v, 'serviceAccountEmail', 'task.httpRequest.oidcToken');
  if (!email) throw new InvalidTask('task.httpRequest.oidcToken.serviceAccountEmail is required');
  // As in Cloud Tasks, the audience defaults to the target URL.
  const audience = str(v, 'audience', 'task.httpRequest.oidcToken') || url;
  return { serviceAccountEmail: email, audience };
}

export interface ParseOptions {
  queue: string;
  nowMs: number;
  defaultDeadlineMs: number;
}

/** Validates a `tasks.create` body (`{"task":{…}}`) for `queue`. */
export function parseCreateTask(body: unknown, o: ParseOptions): TaskSpec {
  if (!isObj(body) || !isObj(body.task)) {
    throw new InvalidTask('request body must be a JSON object with a "task" object');
  }
  const task = body.task;
  if (task.appEngineHttpRequest !== undefined) {
    throw new InvalidTask('only HTTP targets (task.httpRequest) are supported');
  }
  if (!isObj(task.httpRequest)) throw new InvalidTask('task.httpRequest is required');
  const http = task.httpRequest;

  const name = str(task, 'name', 'task');
  let id: string;
  if (name === undefined || name === '') {
    id = randomBytes(16).toString('hex');
  } else {
    const prefix = `${o.queue}/tasks/`;
    id = name.startsWith(prefix) ? name.slice(prefix.length) : '';
    if (!TASK_ID.test(id)) {
      throw new InvalidTask(
        `task.name must be "${prefix}ID" with ID of 1-500 characters [A-Za-z0-9_-]`,
      );
    }
  }

  const scheduleText = str(task, 'scheduleTime', 'task');
  const scheduleTimeMs =
    scheduleText === undefined ? o.nowMs : parseTime(scheduleText, 'task.scheduleTime');
  if (scheduleTimeMs > o.nowMs + MAX_SCHEDULE_AHEAD_MS) {
    throw new InvalidTask('task.scheduleTime is more than 30 days in the future');
  }
  const deadlineText = str(task, 'dispatchDeadline', 'task');
  const url = parseUrl(str(http, 'url', 'task.httpRequest'));
  const method = str(http, 'httpMethod', 'task.httpRequest') ?? HTTP_METHOD.POST;
  if (!Object.values<string>(HTTP_METHOD).includes(method)) {
    throw new InvalidTask(`task.httpRequest.httpMethod ${JSON.stringify(method)} is not supported`);
  }
  if (http.oauthToken !== undefined) {
    throw new InvalidTask('task.httpRequest.oauthToken is not supported by the stand-in');
  }
  const spec: TaskSpec = {
    name: `${o.queue}/tasks/${id}`,
    queue: o.queue,
    id,
    scheduleTimeMs,
    createTimeMs: o.nowMs,
    dispatchDeadlineMs:
      deadlineText === undefined
        ? o.defaultDeadlineMs
        : parseDuration(deadlineText, 'task.dispatchDeadline'),
    url,
    method: method as HttpMethod,
    headers: parseHeaders(http.headers),
    body: parseBody(str(http, 'body', 'task.httpRequest')),
  };
  const oidc = parseOidc(http.oidcToken, url);
  if (oidc) spec.oidc = oidc;
  return spec;
}

/** The Task resource in the BASIC view (no body), as `tasks.create`/`get`/`list` answer it. */
export function taskResource(t: TaskSpec, dispatchCount: number): Record<string, unknown> {
  const httpRequest: Record<string, unknown> = {
    url: t.url,
    httpMethod: t.method,
    headers: t.headers,
  };
  if (t.oidc) httpRequest.oidcToken = { ...t.oidc };
  const out: Record<string, unknown> = {
    name: t.name,
    httpRequest,
    scheduleTime: new Date(t.scheduleTimeMs).toISOString(),
    createTime: new Date(t.createTimeMs).toISOString(),
    dispatchDeadline: `${t.dispatchDeadlineMs / 1000}s`,
    view: 'BASIC',
  };
  // Google's JSON omits zero numbers.
  if (dispatchCount > 0) out.dispatchCount = dispatchCount;
  return out;
}
