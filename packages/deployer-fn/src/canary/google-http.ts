import type { TokenSource } from '../cluster/token-source';
import type { DeployErrorCode } from '../errors';
import { permanent, transient } from '../errors';

export interface GoogleHttpOptions {
  readonly tokenSource: TokenSource;
  /** Per request; default 10 s. */
  readonly timeoutMs?: number;
}

export interface GoogleHttpAnswer {
  readonly status: number;
  readonly body: unknown;
}

/**
 * One authenticated JSON call to a Google-style API. Network failures, timeouts,
 * 429 and 5xx are transient (the invocation fails and is redelivered); other 4xx
 * are permanent, except those the caller handles itself (`accept`).
 */
export async function googleHttp(
  what: string,
  codes: { unavailable: DeployErrorCode; rejected: DeployErrorCode },
  options: GoogleHttpOptions,
  url: string,
  init: { method: 'GET' | 'POST'; body?: string; contentType?: string },
  accept: readonly number[] = [],
): Promise<GoogleHttpAnswer> {
  const token = await options.tokenSource.getToken();
  let res: Response;
  try {
    res = await fetch(url, {
      method: init.method,
      headers: {
        authorization: `Bearer ${token}`,
        accept: 'application/json',
        ...(init.contentType ? { 'content-type': init.contentType } : {}),
      },
      ...(init.body === undefined ? {} : { body: init.body }),
      signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
    });
  } catch (err) {
    throw transient(codes.unavailable, `${what}: ${(err as Error).message.slice(0, 200)}`, {
      cause: err,
    });
  }
  const text = await res.text().catch(() => '');
  let body: unknown;
  try {
    body = text === '' ? undefined : JSON.parse(text);
  } catch {
    body = undefined;
  }
  if (res.ok || accept.includes(res.status)) return { status: res.status, body };
  const detail = `${what}: HTTP ${res.status} ${describeBody(body)}`.trim().slice(0, 300);
  const details = { status: res.status };
  if (res.status === 429 || res.status >= 500) {
    throw transient(codes.unavailable, detail, { details });
  }
  throw permanent(codes.rejected, detail, { details, severity: 'ERROR' });
}

function describeBody(body: unknown): string {
  if (typeof body !== 'object' || body === null) return '';
  const b = body as { error?: unknown };
  if (typeof b.error === 'string') return b.error;
  const e = b.error as { message?: unknown; status?: unknown } | undefined;
  if (e && typeof e.message === 'string') {
    // Google's JSON errors carry status as a name such as NOT_FOUND; anything else is dropped.
    const status = typeof e.status === 'string' || typeof e.status === 'number' ? e.status : '';
    return `${status} ${e.message}`;
  }
  return '';
}
