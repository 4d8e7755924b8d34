import { isObj } from '@maskops/shared';
import { GoogleApiError, invalidArgument } from '../google-apis/api-error';
import type { TopicMessages } from '../google-apis/topic-messages';
import { objectResource } from './object-resource';
import { ObjectEventType } from './storage-store';
import type { ObjectEvent, StorageStore } from './storage-store';

type Obj = Record<string, unknown>;

/** What a notification's message carries: the object resource (JSON) or nothing. */
const PayloadFormat = { JSON_API_V1: 'JSON_API_V1', NONE: 'NONE' } as const;
type PayloadFormat = (typeof PayloadFormat)[keyof typeof PayloadFormat];

const TOPIC_PREFIX = '//pubsub.googleapis.com/';
const TOPIC = /^(?:\/\/pubsub\.googleapis\.com\/)?(projects\/[^/]+\/topics\/[^/]+)$/;
const EVENT_TYPES = new Set<string>(Object.values(ObjectEventType));

interface Config {
  id: string;
  /** `projects/P/topics/T` */
  topic: string;
  eventTypes: string[];
  payloadFormat: PayloadFormat;
  prefix: string;
  customAttributes: Record<string, string>;
}

function resource(bucket: string, c: Config, origin: string): Obj {
  const r: Obj = {
    kind: 'storage#notification',
    id: c.id,
    selfLink: `${origin}/storage/v1/b/${encodeURIComponent(bucket)}/notificationConfigs/${c.id}`,
    topic: `${TOPIC_PREFIX}${c.topic}`,
    payload_format: c.payloadFormat,
    etag: c.id,
  };
  if (c.eventTypes.length > 0) r.event_types = [...c.eventTypes];
  if (c.prefix !== '') r.object_name_prefix = c.prefix;
  if (Object.keys(c.customAttributes).length > 0) r.custom_attributes = { ...c.customAttributes };
  return r;
}

function notificationNotFound(bucket: string, id: string): GoogleApiError {
  return new GoogleApiError(
    404,
    `The notification config ${id} does not exist on bucket ${bucket}.`,
    'NOT_FOUND',
  );
}

/**
 * A bucket's Pub/Sub notification configurations (the JSON API's `notifications`
 * resource) and the messages they publish: on each object event that a configuration
 * matches (event type, name prefix), the message Cloud Storage sends to its topic.
 * https://cloud.google.com/storage/docs/pubsub-notifications
 */
export class BucketNotifications {
  private readonly configs = new Map<string, Config[]>();
  private lastId = 0;

  constructor(
    private readonly store: StorageStore,
    private readonly topics: TopicMessages,
    /** Whether `projects/P/topics/T` exists (the insert refuses a missing topic). */
    private readonly topicExists: (topic: string) => boolean,
    /** Where selfLinks and the object resources' links point. */
    private readonly origin: () => string,
  ) {
    store.onObjectEvent((e) => {
      this.publish(e);
    });
  }

  insert(bucket: string, body: Obj): Obj {
    this.store.bucket(bucket);
    const topic = TOPIC.exec(typeof body.topic === 'string' ? body.topic : '')?.[1];
    if (!topic) throw invalidArgument(`Invalid topic name: ${String(body.topic)}`);
    if (!this.topicExists(topic)) throw invalidArgument(`Topic ${topic} does not exist.`);
    const eventTypes = body.event_types ?? [];
    if (!Array.isArray(eventTypes) || eventTypes.some((t) => !EVENT_TYPES.has(String(t)))) {
      throw invalidArgument(`Invalid event_types: ${JSON.stringify(eventTypes)}`);
    }
    const payloadFormat = body.payload_format ?? PayloadFormat.JSON_API_V1;
    if (payloadFormat !== PayloadFormat.JSON_API_V1 && payloadFormat !== PayloadFormat.NONE) {
      throw invalidArgument(`Invalid payload_format: ${JSON.stringify(payloadFormat)}`);
    }
    const custom = isObj(body.custom_attributes) ? body.custom_attributes : {};
    this.lastId += 1;
    const config: Config = {
      id: String(this.lastId),
      topic,
      eventTypes: eventTypes.map(String),
      payloadFormat,
      prefix: typeof body.object_name_prefix === 'string' ? body.object_name_prefix : '',
      customAttributes: Object.fromEntries(Object.entries(custom).map(([k, v]) => [k, String(v)])),
    };
    this.configs.set(bucket, [...(this.configs.get(bucket) ?? []), config]);
    // Creating or deleting a notification configuration is a change of the bucket's metadata.
    this.store.patchBucket(bucket, {});
    return resource(bucket, config, this.origin());
  }

  list(bucket: string): Obj {
    this.store.bucket(bucket);
    const items = (this.configs.get(bucket) ?? []).map((c) => resource(bucket, c, this.origin()));
    return items.length > 0
      ? { kind: 'storage#notifications', items }
      : { kind: 'storage#notifications' };
  }

  get(bucket: string, id: string): Obj {
    this.store.bucket(bucket);
    const found = this.configs.get(bucket)?.find((c) => c.id === id);
    if (!found) throw notificationNotFound(bucket, id);
    return resource(bucket, found, this.origin());
  }

  delete(bucket: string, id: string): void {
    this.store.bucket(bucket);
    const configs = this.configs.get(bucket) ?? [];
    if (!configs.some((c) => c.id === id)) throw notificationNotFound(bucket, id);
    this.configs.set(
      bucket,
      configs.filter((c) => c.id !== id),
    );
    this.store.patchBucket(bucket, {});
  }

  private publish(e: ObjectEvent): void {
    const { object } = e;
    for (const c of this.configs.get(object.bucket) ?? []) {
      if (c.eventTypes.length > 0 && !c.eventTypes.includes(e.type)) continue;
      if (!object.name.startsWith(c.prefix)) continue;
      // A topic deleted since the configuration was made loses the message, as on Google.
      if (!this.topicExists(c.topic)) continue;
      const attributes: Record<string, string> = {
        ...c.customAttributes,
        notificationConfig: `projects/_/buckets/${object.bucket}/notificationConfigs/${c.id}`,
        eventType: e.type,
        payloadFormat: c.payloadFormat,
        bucketId: object.bucket,
        objectId: object.name,
        objectGeneration: object.generation,
        eventTime: e.eventTime,
      };
      if (e.overwroteGeneration) attributes.overwroteGeneration = e.overwroteGeneration;
      if (e.overwrittenByGeneration) {
        attributes.overwrittenByGeneration = e.overwrittenByGeneration;
      }
      const data =
        c.payloadFormat === PayloadFormat.JSON_API_V1
          ? Buffer.from(JSON.stringify(objectResource(object, this.origin())))
          : Buffer.alloc(0);
      this.topics.publish(c.topic, data, { attributes });
    }
  }
}
