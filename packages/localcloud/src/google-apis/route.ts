import { isObj } from '@maskops/shared';
import { invalidArgument } from './api-error';

/** One API call as the stand-in sees it: the path is the API's own (no mount prefix). */
export interface ApiCall {
  method: string;
  path: string;
  query: URLSearchParams;
  body: unknown;
  /** `http://127.0.0.1:PORT`, for URLs the answer hands out (upload URLs, links). */
  origin: string;
}

export interface ApiReply {
  status: number;
  body: unknown;
}

export interface Route {
  method: string;
  path: RegExp;
  /** `params` are the path's capture groups, URI-decoded. */
  handle: (call: ApiCall, params: string[]) => ApiReply;
}

export function ok(body: unknown): ApiReply {
  return { status: 200, body };
}

/** The first route matching method and path, run; undefined when none matches. */
export function dispatch(routes: readonly Route[], call: ApiCall): ApiReply | undefined {
  for (const route of routes) {
    if (route.method !== call.method) continue;
    const m = route.path.exec(call.path);
    if (!m) continue;
    return route.handle(
      call,
      m.slice(1).map((p) => decodeURIComponent(p)),
    );
  }
  return undefined;
}

/** The JSON object body of a call, or a 400. */
export function objectBody(call: ApiCall): Record<string, unknown> {
  if (call.body === undefined) return {};
  if (!isObj(call.body)) throw invalidArgument('Invalid JSON payload received: not an object.');
  return call.body;
}

/** A segment of a resource name: no slash, not empty. */
const SEG = '([^/:]+)';

/** `^/v1/` + pattern + `$` as a RegExp, with `{}` standing for one name segment. */
export function path(pattern: string): RegExp {
  return new RegExp(`^${pattern.replaceAll('{}', SEG)}$`);
}
