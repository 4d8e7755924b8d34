import type { PubsubMessage } from '@maskops/shared';
import { pubsubMessage } from '@maskops/shared';

/** A message as a topic received it, with the id and publish time Pub/Sub assigns. */
export interface PublishedMessage {
  /** `projects/P/topics/T`. */
  topic: string;
  message: PubsubMessage & { messageId: string; publishTime: string };
}

export type PublishListener = (published: PublishedMessage) => void;

/**
 * What was published to each topic (through `topics.publish`, or by Cloud Storage's
 * notifications), in order. There is no delivery here: a test or the local demo
 * listens (`onPublish`) and pushes the message where its subscription would.
 */
export class TopicMessages {
  readonly published: PublishedMessage[] = [];
  private readonly listeners = new Set<PublishListener>();
  private lastId = 0;

  /** Stores the message and tells every listener, synchronously (a listener must not throw). */
  publish(
    topic: string,
    data: Buffer,
    opts: { attributes?: Record<string, string>; orderingKey?: string } = {},
  ): PublishedMessage {
    // Pub/Sub message ids are decimal and increase per topic; one counter is enough here.
    this.lastId += 1;
    const published: PublishedMessage = {
      topic,
      message: pubsubMessage(data, {
        ...opts,
        messageId: String(10_000_000_000_000 + this.lastId),
      }),
    };
    this.published.push(published);
    for (const listener of this.listeners) listener(published);
    return published;
  }

  /** Messages of one topic (`projects/P/topics/T`). */
  of(topic: string): PublishedMessage[] {
    return this.published.filter((p) => p.topic === topic);
  }

  /** Calls `listener` for every message published from now on; returns the unsubscribe. */
  onPublish(listener: PublishListener): () => void {
    this.listeners.add(listener);
    return () => {
      this.listeners.delete(listener);
    };
  }
}
