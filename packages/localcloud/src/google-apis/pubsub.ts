import { isObj } from '@maskops/shared';
import type { CloudState } from './cloud-state';
import { invalidArgument, notFound } from './api-error';
import { objectBody, ok, path } from './route';
import type { Route } from './route';
import { policyRoutes } from './policy-routes';

const ID = /^[A-Za-z][\w.~+%-]{2,254}$/;

function checkId(kind: string, id: string): void {
  if (!ID.test(id) || id.startsWith('goog')) throw invalidArgument(`Invalid ${kind} name: ${id}`);
}

/** Applies `updateMask` (comma-separated field paths) from `patch` onto `current`. */
function masked(
  current: Record<string, unknown>,
  patch: Record<string, unknown>,
  mask: string,
): Record<string, unknown> {
  const next = { ...current };
  for (const field of mask
    .split(',')
    .map((f) => f.trim())
    .filter(Boolean)) {
    const top = field.split('.')[0] ?? field;
    const camel = top.replace(/_([a-z])/g, (_m, c: string) => c.toUpperCase());
    if (patch[camel] === undefined) delete next[camel];
    else next[camel] = patch[camel];
  }
  return next;
}

interface OutgoingMessage {
  data: Buffer;
  attributes?: Record<string, string>;
  orderingKey?: string;
}

/** The messages of a `topics.publish` body, as Pub/Sub checks them. */
function publishBody(body: Record<string, unknown>): OutgoingMessage[] {
  const { messages } = body;
  if (!Array.isArray(messages) || messages.length === 0) {
    throw invalidArgument('The request contains no messages.');
  }
  return messages.map((m: unknown) => {
    if (!isObj(m)) throw invalidArgument('A message is not an object.');
    const data = typeof m.data === 'string' ? m.data : '';
    if (!/^[A-Za-z0-9+/_-]*={0,2}$/.test(data)) throw invalidArgument('Invalid data: not base64.');
    const attributes = isObj(m.attributes)
      ? Object.fromEntries(Object.entries(m.attributes).map(([k, v]) => [k, String(v)]))
      : undefined;
    if (data === '' && (!attributes || Object.keys(attributes).length === 0)) {
      throw invalidArgument('A message must have data or attributes.');
    }
    const out: OutgoingMessage = { data: Buffer.from(data, 'base64') };
    if (attributes) out.attributes = attributes;
    if (typeof m.orderingKey === 'string' && m.orderingKey !== '') out.orderingKey = m.orderingKey;
    return out;
  });
}

function publish(state: CloudState, topic: string, m: OutgoingMessage): string {
  const { data, ...opts } = m;
  return state.messages.publish(topic, data, opts).message.messageId;
}

/**
 * Pub/Sub v1: topics (create by PUT, get, publish) and subscriptions (create by PUT,
 * get, patch) and their policies.
 */
export function pubsubRoutes(state: CloudState): Route[] {
  const exists = (r: string): boolean => state.get(r) !== undefined;
  return [
    {
      method: 'PUT',
      path: path('/v1/projects/{}/topics/{}'),
      handle: (call, [p, t = '']) => {
        checkId('topic', t);
        const name = `projects/${p}/topics/${t}`;
        return ok(state.create(name, { ...objectBody(call), name }));
      },
    },
    {
      method: 'GET',
      path: path('/v1/projects/{}/topics/{}'),
      handle: (_c, [p, t]) => ok(state.require(`projects/${p}/topics/${t}`)),
    },
    {
      method: 'POST',
      path: path('/v1/projects/{}/topics/{}:publish'),
      handle: (call, [p, t]) => {
        const topic = `projects/${p}/topics/${t}`;
        if (!exists(topic)) throw notFound(topic);
        return ok({
          messageIds: publishBody(objectBody(call)).map((m) => publish(state, topic, m)),
        });
      },
    },
    {
      method: 'PUT',
      path: path('/v1/projects/{}/subscriptions/{}'),
      handle: (call, [p, s = '']) => {
        checkId('subscription', s);
        const body = objectBody(call);
        if (typeof body.topic !== 'string') throw invalidArgument('subscription.topic is required');
        state.require(body.topic);
        const name = `projects/${p}/subscriptions/${s}`;
        return ok(
          state.create(name, {
            ackDeadlineSeconds: 10,
            messageRetentionDuration: '604800s',
            expirationPolicy: { ttl: '2678400s' },
            state: 'ACTIVE',
            ...body,
            name,
          }),
        );
      },
    },
    {
      method: 'GET',
      path: path('/v1/projects/{}/subscriptions/{}'),
      handle: (_c, [p, s]) => ok(state.require(`projects/${p}/subscriptions/${s}`)),
    },
    {
      method: 'PATCH',
      path: path('/v1/projects/{}/subscriptions/{}'),
      handle: (call, [p, s]) => {
        const name = `projects/${p}/subscriptions/${s}`;
        const current = state.require(name);
        const body = objectBody(call);
        if (!isObj(body.subscription) || typeof body.updateMask !== 'string') {
          throw invalidArgument('subscription and updateMask are required');
        }
        const dl = body.subscription.deadLetterPolicy;
        if (isObj(dl) && typeof dl.deadLetterTopic === 'string') state.require(dl.deadLetterTopic);
        return ok(state.put(name, masked(current, body.subscription, body.updateMask)));
      },
    },
    ...policyRoutes(state, 'v1', 'projects/[^/:]+/(?:topics|subscriptions)/[^/:]+', {
      getMethod: 'GET',
      exists,
    }),
  ];
}
