import type { IncomingMessage, ServerResponse } from 'node:http';
import { sleep } from '@maskops/shared';
import type { FaultList, RecordedRequest } from './faults';
import { bearerToken, sendJson } from './http-util';

const GOOGLE_STATUS: Record<number, string> = {
  400: 'INVALID_ARGUMENT',
  401: 'UNAUTHENTICATED',
  403: 'PERMISSION_DENIED',
  404: 'NOT_FOUND',
  409: 'ABORTED',
  429: 'RESOURCE_EXHAUSTED',
  500: 'INTERNAL',
  503: 'UNAVAILABLE',
  504: 'DEADLINE_EXCEEDED',
};

/** Google's JSON error; `status` overrides the usual one for the code (409 is also ALREADY_EXISTS). */
export function googleError(
  code: number,
  message: string,
  status?: string,
): { error: Record<string, unknown> } {
  return { error: { code, message, status: status ?? GOOGLE_STATUS[code] ?? 'UNKNOWN' } };
}

export interface GoogleRequest {
  url: URL;
  method: string;
  /** Answers with Google's JSON content type and records the request with its status. */
  reply: (status: number, body: unknown) => void;
}

/**
 * What every Google JSON API stand-in does first: record the request, play a
 * scripted fault, check the OAuth bearer token (any token when `token` is
 * undefined). Undefined when the request has been answered already.
 */
export async function googleRequest(
  req: IncomingMessage,
  res: ServerResponse,
  api: { host: string; faults: FaultList; requests: RecordedRequest[]; token: string | undefined },
): Promise<GoogleRequest | undefined> {
  const url = new URL(req.url ?? '/', `http://${api.host}`);
  const method = req.method ?? 'GET';
  const reply = (status: number, body: unknown): void => {
    const entry: RecordedRequest = { method, path: url.pathname, query: url.search, status };
    if (req.headers['content-type']) entry.contentType = req.headers['content-type'];
    api.requests.push(entry);
    sendJson(res, status, body, { 'content-type': 'application/json; charset=UTF-8' });
  };
  const fault = api.faults.take(method, url.pathname);
  if (fault?.delayMs) await sleep(fault.delayMs);
  if (fault?.status !== undefined) {
    reply(fault.status, fault.body ?? googleError(fault.status, 'injected fault'));
    return undefined;
  }
  const token = bearerToken(req);
  if (token === undefined || (api.token !== undefined && token !== api.token)) {
    const message =
      'Request had invalid authentication credentials. Expected OAuth 2 access token.';
    reply(401, googleError(401, message));
    return undefined;
  }
  return { url, method, reply };
}
