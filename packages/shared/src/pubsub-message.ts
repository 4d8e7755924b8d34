import { randomInt } from 'node:crypto';

/**
 * A Pub/Sub message as maskops handles it: what the deployer decodes, what
 * the replay command and the local stand-ins send. On the wire a push carries
 * the ids in both spellings (`messageId`/`message_id`); `pushedMessage` adds them.
 */
export interface PubsubMessage {
  /** base64 of the payload; may be empty. */
  readonly data: string;
  readonly attributes?: Readonly<Record<string, string>>;
  readonly messageId?: string;
  readonly publishTime?: string;
  readonly orderingKey?: string;
}

export interface PubsubMessageOptions {
  attributes?: Readonly<Record<string, string>>;
  /** Default a random 13-digit id, like Pub/Sub's. */
  messageId?: string;
  /** Default now. */
  publishTime?: string;
  orderingKey?: string;
}

/** `data` may be bytes (a Buffer or Uint8Array, sent as is), a string (UTF-8) or anything else (JSON). */
export function pubsubMessage(
  data: unknown,
  opts: PubsubMessageOptions = {},
): PubsubMessage & { messageId: string; publishTime: string } {
  const bytes =
    data instanceof Uint8Array
      ? Buffer.from(data)
      : Buffer.from(typeof data === 'string' ? data : JSON.stringify(data), 'utf8');
  return {
    data: bytes.toString('base64'),
    messageId: opts.messageId ?? String(randomInt(1e12, 9e12)),
    publishTime: opts.publishTime ?? new Date().toISOString(),
    ...(opts.attributes ? { attributes: { ...opts.attributes } } : {}),
    ...(opts.orderingKey === undefined ? {} : { orderingKey: opts.orderingKey }),
  };
}

/** The message as a push subscription writes it: ids and times in both spellings. */
export function pushedMessage(message: PubsubMessage): Record<string, unknown> {
  return {
    ...message,
    ...(message.messageId === undefined
      ? {}
      : { messageId: message.messageId, message_id: message.messageId }),
    ...(message.publishTime === undefined
      ? {}
      : { publishTime: message.publishTime, publish_time: message.publishTime }),
  };
}
