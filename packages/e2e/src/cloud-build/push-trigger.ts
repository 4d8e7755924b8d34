import { randomBytes, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseRefUpdates, type BranchPush } from './ref-updates';

/**
 * The local Cloud Build push trigger's door: the bare repository's post-receive hook
 * (local-git-remote.ts) POSTs what git gave it on stdin to `/push` on loopback, with
 * the trigger's token. Each branch update the trigger accepts goes to `onPush`, whose
 * answer line is printed back by the hook, so `git push` itself shows `remote: build …
 * queued`; the others are logged and answered with the reason they start nothing.
 */
export interface PushTriggerOptions {
  /** Which branches start a build, as a trigger's `--branch-pattern` (setup.sh: `^main$`). */
  readonly branchPattern: RegExp;
  /** Starts (queues) the build of an accepted push; returns a line for the pusher. */
  readonly onPush: (push: BranchPush) => string;
  readonly log: (line: string) => void;
}

export interface PushTrigger {
  /** `http://127.0.0.1:PORT/push`. */
  readonly url: string;
  /** The bearer token the hook sends: nothing else on the machine starts builds. */
  readonly token: string;
  close(): Promise<void>;
}

export const PushTriggerErrorCode = {
  NOT_FOUND: 'PUSH_TRIGGER_NOT_FOUND',
  UNAUTHENTICATED: 'PUSH_TRIGGER_UNAUTHENTICATED',
  BODY_TOO_LARGE: 'PUSH_TRIGGER_BODY_TOO_LARGE',
} as const;
type PushTriggerErrorCode = (typeof PushTriggerErrorCode)[keyof typeof PushTriggerErrorCode];

/** Thousands of ref updates in one push; more is not a hook talking. */
const MAX_BODY = 256 * 1024;

function refuse(
  res: ServerResponse,
  status: number,
  code: PushTriggerErrorCode,
  message: string,
): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ error: { code, message } }));
}

function sameToken(header: string | undefined, token: string): boolean {
  const given = Buffer.from(header ?? '', 'utf8');
  const wanted = Buffer.from(`Bearer ${token}`, 'utf8');
  return given.length === wanted.length && timingSafeEqual(given, wanted);
}

/** The body as text, or undefined once it passes MAX_BODY (the rest is drained). */
async function readBody(req: IncomingMessage): Promise<string | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size <= MAX_BODY) chunks.push(chunk);
  }
  return size > MAX_BODY ? undefined : Buffer.concat(chunks).toString('utf8');
}

export async function startPushTrigger(o: PushTriggerOptions): Promise<PushTrigger> {
  const token = randomBytes(24).toString('hex');
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (req.method !== 'POST' || req.url !== '/push') {
      refuse(res, 404, PushTriggerErrorCode.NOT_FOUND, 'only POST /push');
      return;
    }
    if (!sameToken(req.headers.authorization, token)) {
      refuse(res, 401, PushTriggerErrorCode.UNAUTHENTICATED, 'missing or wrong bearer token');
      return;
    }
    const body = await readBody(req);
    if (body === undefined) {
      refuse(res, 413, PushTriggerErrorCode.BODY_TOO_LARGE, `more than ${MAX_BODY} bytes`);
      return;
    }
    const { pushes, ignored } = parseRefUpdates(body, o.branchPattern);
    const lines: string[] = [];
    for (const i of ignored) {
      o.log(`[trigger] ignored "${i.line}": ${i.reason}`);
      lines.push(`maskops: no build: ${i.reason}`);
    }
    for (const p of pushes) {
      o.log(`[trigger] ${p.branch} → ${p.sha.slice(0, 7)} (was ${p.before.slice(0, 7)})`);
      lines.push(`maskops: ${o.onPush(p)}`);
    }
    res.writeHead(202, { 'content-type': 'text/plain; charset=utf-8' });
    res.end(lines.map((l) => `${l}\n`).join(''));
  };
  const server: Server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      o.log(`[trigger] request failed: ${err instanceof Error ? err.message : String(err)}`);
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'application/json' });
      res.end('{"error":{"code":"PUSH_TRIGGER_INTERNAL","message":"internal error"}}');
    });
  });
  await new Promise<void>((ready, fail) => {
    server.once('error', fail);
    server.listen(0, '127.0.0.1', () => ready());
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/push`,
    token,
    close: () =>
      new Promise<void>((closed) => {
        server.close(() => closed());
        server.closeAllConnections();
      }),
  };
}
