import { randomBytes, randomUUID } from 'node:crypto';
import { isObj } from '@maskops/shared';
import { alreadyExists, invalidArgument } from './api-error';
import type { CloudState } from './cloud-state';
import { objectBody, ok, path } from './route';
import type { Route } from './route';
import { policyRoutes } from './policy-routes';

/** Cloud Run (v1 and v2): the services functions run on, read and their IAM policies. */
export function runRoutes(state: CloudState): Route[] {
  const exists = (r: string): boolean => state.get(r) !== undefined;
  const service = 'projects/[^/:]+/locations/[^/:]+/services/[^/:]+';
  return [
    {
      // `gcloud run services describe --region R` reads the v1 (Knative) resource at
      // the regional endpoint, R-<endpoint>; its status.url is the deterministic URL.
      // https://cloud.google.com/run/docs/triggering/https-request#deterministic
      method: 'GET',
      path: path('/apis/serving.knative.dev/v1/namespaces/{}/services/{}'),
      handle: (_c, [p, s]) => {
        // The regional host names the region; the service name is unique enough here.
        const [found] = state.matching(new RegExp(`^projects/${p}/locations/[^/]+/services/${s}$`));
        const name = typeof found?.name === 'string' ? found.name : '';
        if (!found) state.require(`projects/${p}/locations/-/services/${s}`);
        const region = name.split('/')[3] ?? '';
        const url = `https://${s}-${state.projectNumber(p)}.${region}.run.app`;
        return ok({
          apiVersion: 'serving.knative.dev/v1',
          kind: 'Service',
          metadata: {
            name: s,
            namespace: state.projectNumber(p),
            labels: { 'cloud.googleapis.com/location': region },
          },
          status: { url, address: { url } },
        });
      },
    },
    {
      method: 'GET',
      path: path('/v2/projects/{}/locations/{}/services/{}'),
      handle: (_c, [p, l, s]) => ok(state.require(`projects/${p}/locations/${l}/services/${s}`)),
    },
    ...policyRoutes(state, 'v1', service, { getMethod: 'GET', exists }),
    ...policyRoutes(state, 'v2', service, { getMethod: 'GET', exists }),
  ];
}

/**
 * Eventarc v1: triggers (get; create, a finished operation, with the Pub/Sub
 * subscription of its transport; functions create theirs) and operations.
 */
export function eventarcRoutes(state: CloudState): Route[] {
  return [
    {
      method: 'POST',
      path: path('/v1/projects/{}/locations/{}/triggers'),
      handle: (call, [p = '', l = '']) => {
        const id = call.query.get('triggerId') ?? '';
        if (!/^[a-z][a-z0-9-]{0,62}$/.test(id)) throw invalidArgument(`Invalid trigger id: ${id}`);
        const name = `projects/${p}/locations/${l}/triggers/${id}`;
        if (state.get(name)) throw alreadyExists(name);
        const trigger = newTrigger(state, p, l, name, objectBody(call));
        if (call.query.get('validateOnly') !== 'true') state.create(name, trigger);
        return ok(
          state.operation(`projects/${p}/locations/${l}`, {
            metadata: {
              '@type': 'type.googleapis.com/google.cloud.eventarc.v1.OperationMetadata',
              target: name,
              verb: 'create',
            },
            response: {
              '@type': 'type.googleapis.com/google.cloud.eventarc.v1.Trigger',
              ...trigger,
            },
          }),
        );
      },
    },
    {
      method: 'GET',
      path: path('/v1/projects/{}/locations/{}/operations/{}'),
      handle: (_c, [p, l, o]) =>
        ok(state.requireOperation(`projects/${p}/locations/${l}/operations/${o}`)),
    },
    {
      method: 'GET',
      path: path('/v1/projects/{}/locations/{}/triggers/{}'),
      handle: (_c, [p, l, t]) => ok(state.require(`projects/${p}/locations/${l}/triggers/${t}`)),
    },
  ];
}

const PUBSUB_PUBLISHED = 'google.cloud.pubsub.topic.v1.messagePublished';

/**
 * A trigger as Eventarc creates it: a Pub/Sub trigger delivers from the given
 * transport topic (or one it creates), a direct event (such as Cloud Storage's) from
 * a topic of its own; either way through a subscription it creates.
 */
function newTrigger(
  state: CloudState,
  p: string,
  l: string,
  name: string,
  body: Record<string, unknown>,
): Record<string, unknown> {
  const filters = Array.isArray(body.eventFilters) ? (body.eventFilters as unknown[]) : [];
  const type = filters.find((f) => isObj(f) && f.attribute === 'type');
  if (!isObj(type) || typeof type.value !== 'string') {
    throw invalidArgument('The trigger needs an event filter on the attribute type.');
  }
  const run = isObj(body.destination) ? body.destination.cloudRun : undefined;
  if (!isObj(run) || typeof run.service !== 'string') {
    throw invalidArgument('The trigger needs a Cloud Run destination.');
  }
  state.require(
    `projects/${p}/locations/${typeof run.region === 'string' ? run.region : l}/services/${run.service}`,
  );
  const short = name.split('/').pop() ?? '';
  const suffix = randomBytes(2).toString('hex').slice(0, 3);
  const given = isObj(body.transport) && isObj(body.transport.pubsub) ? body.transport.pubsub : {};
  let topic = typeof given.topic === 'string' ? given.topic : undefined;
  if (topic) state.require(topic);
  else {
    topic = `projects/${p}/topics/eventarc-${l}-${short}-${suffix}`;
    state.put(topic, { name: topic, labels: { 'goog-eventarc': '' } });
  }
  if (type.value !== PUBSUB_PUBLISHED && typeof given.topic === 'string') {
    throw invalidArgument(`A transport topic goes only with ${PUBSUB_PUBLISHED} triggers.`);
  }
  const subscription = `projects/${p}/subscriptions/eventarc-${l}-${short}-sub-${suffix}`;
  state.put(subscription, {
    name: subscription,
    topic,
    ackDeadlineSeconds: 600,
    state: 'ACTIVE',
    labels: { 'goog-eventarc': '' },
  });
  const now = new Date().toISOString();
  return {
    ...body,
    name,
    uid: randomUUID(),
    transport: { pubsub: { topic, subscription } },
    createTime: now,
    updateTime: now,
    etag: randomUUID(),
  };
}
