import type { Request, Response } from '@google-cloud/functions-framework';
import { createLogger } from '@maskops/shared';
import { HTTP } from 'cloudevents';
import type { OnNewImageOptions } from './on-new-image';
import { createPubsubHandler } from './on-new-image';

/** Why a request was answered before it reached the handler. */
const RequestRefusal = {
  METHOD_NOT_ALLOWED: 'METHOD_NOT_ALLOWED',
  EMPTY_BODY: 'EMPTY_BODY',
} as const;
type RequestRefusal = (typeof RequestRefusal)[keyof typeof RequestRefusal];

/**
 * The event in a request: a binary (`ce-*` headers) or structured
 * (`application/cloudevents+json`) CloudEvent as the cloudevents SDK reads it;
 * any other body (a Pub/Sub push body, a legacy background event, a CloudEvent
 * posted as plain JSON) is the event itself, unwrapped by the handler. A request
 * the SDK refuses as a CloudEvent is not a deployable message either: the
 * handler acknowledges it as malformed.
 */
function eventOf(req: Request): unknown {
  const message = {
    headers: req.headers,
    body: req.rawBody === undefined ? (req.body as unknown) : req.rawBody.toString('utf8'),
  };
  if (!HTTP.isEvent(message)) return req.body as unknown;
  try {
    return HTTP.toEvent(message);
  } catch (err) {
    return { invalidCloudEvent: String(err).slice(0, 200) };
  }
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
  options: Partial<OnNewImageOptions> = {},
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
      return refuse(res, 405, RequestRefusal.METHOD_NOT_ALLOWED, `${req.method} is not POST`);
    }
    if (!hasBody(req)) {
      const message = 'the request has no body (expected a Pub/Sub event)';
      return refuse(res, 400, RequestRefusal.EMPTY_BODY, message);
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
