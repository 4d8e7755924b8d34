import type { Obj } from './is-obj';
import { isObj } from './is-obj';
import type { PubsubMessage } from './pubsub-message';

/**
 * The Pub/Sub message inside whatever envelope delivered it. The same message
 * reaches a function as an Eventarc CloudEvent (binary or structured mode), a
 * plain push body, or a legacy background event; functions-framework converts
 * some of these but not all (e.g. a legacy event with an unknown eventType is
 * passed through untouched), so the deployer accepts every shape here.
 */
export const EnvelopeShape = {
  CLOUD_EVENT: 'cloud-event',
  PUSH: 'push',
  BACKGROUND: 'background',
  MESSAGE: 'message',
} as const;
export type EnvelopeShape = (typeof EnvelopeShape)[keyof typeof EnvelopeShape];

export type EnvelopeResult =
  { ok: true; message: PubsubMessage; shape: EnvelopeShape } | { ok: false; detail: string };

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v.length > 0 && v.length <= 256 ? v : undefined;
}

function attributesOf(v: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (!isObj(v)) return out;
  for (const [k, val] of Object.entries(v)) if (typeof val === 'string') out[k] = val;
  return out;
}

/** A PubsubMessage-like object: `data` is a string (possibly empty) or absent. */
function messageFrom(
  m: Obj,
  fallback: { messageId?: string | undefined; publishTime?: string | undefined },
): PubsubMessage | string {
  const data = m.data ?? '';
  if (typeof data !== 'string') return 'message.data is not a base64 string';
  const messageId = str(m.messageId) ?? str(m.message_id) ?? fallback.messageId;
  const publishTime = str(m.publishTime) ?? str(m.publish_time) ?? fallback.publishTime;
  return {
    data,
    attributes: attributesOf(m.attributes),
    ...(messageId === undefined ? {} : { messageId }),
    ...(publishTime === undefined ? {} : { publishTime }),
  };
}

function parseMaybeJson(v: unknown): unknown {
  if (Buffer.isBuffer(v)) v = v.toString('utf8');
  if (typeof v !== 'string') return v;
  try {
    return JSON.parse(v) as unknown;
  } catch {
    return v;
  }
}

function done(message: PubsubMessage | string, shape: EnvelopeShape): EnvelopeResult {
  return typeof message === 'string'
    ? { ok: false, detail: message }
    : { ok: true, message, shape };
}

/**
 * Finds the Pub/Sub message in an event as a CloudEvent function receives it
 * (`{id, time, data: {message, subscription}}`), or in a legacy
 * `(data, context)` pair, or in a raw push / background body.
 */
export function extractPubsubMessage(event: unknown, context?: unknown): EnvelopeResult {
  if (!isObj(event)) return { ok: false, detail: 'event is not an object' };
  const ctx = isObj(context) ? context : isObj(event.context) ? event.context : undefined;

  // Legacy background: (data = PubsubMessage, context = {eventId, timestamp}).
  if (ctx !== undefined && isObj(context) && !('message' in event)) {
    return done(
      messageFrom(event, { messageId: str(ctx.eventId), publishTime: str(ctx.timestamp) }),
      EnvelopeShape.BACKGROUND,
    );
  }
  // Raw push body: {message, subscription}.
  if (isObj(event.message) && !('specversion' in event)) {
    return done(messageFrom(event.message, {}), EnvelopeShape.PUSH);
  }
  const data = parseMaybeJson(event.data);
  // CloudEvent: data = {message, subscription}; ids fall back to the event's own.
  if (isObj(data) && isObj(data.message)) {
    return done(
      messageFrom(data.message, { messageId: str(event.id), publishTime: str(event.time) }),
      EnvelopeShape.CLOUD_EVENT,
    );
  }
  // Legacy background body passed through unconverted: {data: PubsubMessage, context}.
  if (isObj(data) && ctx !== undefined) {
    return done(
      messageFrom(data, { messageId: str(ctx.eventId), publishTime: str(ctx.timestamp) }),
      EnvelopeShape.BACKGROUND,
    );
  }
  // A CloudEvent whose data is the PubsubMessage itself, without the `message` wrapper.
  if (isObj(data) && 'specversion' in event && typeof data.data === 'string') {
    return done(
      messageFrom(data, { messageId: str(event.id), publishTime: str(event.time) }),
      EnvelopeShape.CLOUD_EVENT,
    );
  }
  // A bare PubsubMessage (e.g. replayed from a file).
  if (typeof event.data === 'string' && !('specversion' in event)) {
    return done(messageFrom(event, {}), EnvelopeShape.MESSAGE);
  }
  return { ok: false, detail: 'no Pub/Sub message found in the event' };
}
