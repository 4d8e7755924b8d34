import type { Request, Response } from '@google-cloud/functions-framework';
import { createLogger } from '@maskops/shared';
import type { OnNewImageOptions } from './on-new-image';
import { createPubsubHandler } from './on-new-image';

/** Why a request was answered before it reached the handler. */
export const RequestRefusal = {
  METHOD_NOT_ALLOWED: 'METHOD_NOT_ALLOWED',
  EMPTY_BODY: 'EMPTY_BODY',
} as const;
export type RequestRefusal = (typeof RequestRefusal)[keyof typeof RequestRefusal];

const CE_HEADER = /^ce-([a-z0-9]{1,20})$/;

/**
 * A binary-mode CloudEvent (attributes in `ce-*` headers) as the framework's
 * CloudEvent wrapper builds it; any other body (structured CloudEvent, Pub/Sub
 * push body, legacy background event) is the event itself.
 */
function eventOf(req: Request): unknown {
  if (req.header('ce-specversion') === undefined) return req.body as unknown;
  const event: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    const m = CE_HEADER.exec(name);
    if (m && typeof value === 'string') event[m[1]] = value;
  }
  event.data = req.body as unknown;
  return event;
}

function hasBody(req: Request): boolean {
  if (req.rawBody !== undefined) return req.rawBody.length > 0;
  return (
    Number(req.header('content-length') ?? 0) > 0 || req.header('transfer-encoding') !== undefined
  );
}

/**
 * `onNewImage` as functions-framework serves it. Registered as an HTTP function
 * because the framework's CloudEvent middleware throws (and prints a stack
 * trace) on a request without a body before any CloudEvent function runs; here
 * such requests get a 4xx with a stable code instead. Every envelope the
 * CloudEvent signature accepts (binary and structured CloudEvents, push bodies,
 * legacy background events) reaches the same handler.
 */
export function createOnNewImageHttp(
  options: OnNewImageOptions = {},
): (req: Request, res: Response) => Promise<void> {
  const logger = options.logger ?? createLogger({ base: { component: 'deployer-fn' } });
  const handle = createPubsubHandler({ ...options, logger });
  const refuse = (res: Response, status: number, code: RequestRefusal, message: string): void => {
    logger.info(`refused request: ${message}`, { outcome: 'refused', reason: code, status });
    res.status(status).json({ error: { code, message } });
  };
  return async (req, res) => {
    if (req.method !== 'POST') {
      res.set('allow', 'POST');
      return refuse(res, 405, 'METHOD_NOT_ALLOWED', `${req.method} is not POST`);
    }
    if (!hasBody(req)) {
      return refuse(res, 400, 'EMPTY_BODY', 'the request has no body (expected a Pub/Sub event)');
    }
    const result = await handle(eventOf(req));
    if (result.ack) {
      res.status(204).end();
      return;
    }
    // Non-2xx makes Pub/Sub redeliver; the body names the code, never internals.
    res.status(500).json({
      error: {
        code: result.code ?? 'RETRY',
        message: 'transient failure; the message will be redelivered',
      },
    });
  };
}
