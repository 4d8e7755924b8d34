import { randomBytes, randomUUID } from 'node:crypto';
import { isObj } from '@maskops/shared';
import type { CloudState } from './cloud-state';
import { alreadyExists, invalidArgument } from './api-error';
import { objectBody, ok, path } from './route';
import type { ApiCall, Route } from './route';
import { timestamp } from './timestamps';

const PUBSUB_PUBLISHED = 'google.cloud.pubsub.topic.v1.messagePublished';
/** Runtimes as the list answers them (the Node.js ones, per the support schedule). */
const RUNTIMES = [
  { name: 'nodejs20', displayName: 'Node.js 20', stage: 'DEPRECATED', environment: 'GEN_2' },
  { name: 'nodejs22', displayName: 'Node.js 22', stage: 'GA', environment: 'GEN_2' },
  { name: 'nodejs24', displayName: 'Node.js 24', stage: 'GA', environment: 'GEN_2' },
];
const INGRESS = ['ALLOW_ALL', 'ALLOW_INTERNAL_ONLY', 'ALLOW_INTERNAL_AND_GCLB'];

type Obj = Record<string, unknown>;

function checkFunction(fn: Obj): void {
  const build = isObj(fn.buildConfig) ? fn.buildConfig : {};
  if (
    typeof build.runtime !== 'string' ||
    !/^(nodejs|python|go|java|ruby|php|dotnet)\d+$/.test(build.runtime)
  ) {
    throw invalidArgument(`buildConfig.runtime is invalid: ${String(build.runtime)}`);
  }
  if (!isObj(build.source) || !isObj(build.source.storageSource)) {
    throw invalidArgument('buildConfig.source.storageSource is required');
  }
  const service = isObj(fn.serviceConfig) ? fn.serviceConfig : {};
  const ingress = service.ingressSettings;
  if (ingress !== undefined && (typeof ingress !== 'string' || !INGRESS.includes(ingress))) {
    throw invalidArgument(`serviceConfig.ingressSettings is invalid: ${JSON.stringify(ingress)}`);
  }
}

/**
 * Cloud Functions v2: upload URLs (pointing at the Cloud Storage stand-in), functions
 * (get, create, patch, each a finished operation) and operations. A function with an
 * `eventTrigger` gets what the real service creates with it: its Cloud Run service,
 * an Eventarc trigger and that trigger's Pub/Sub subscription.
 */
export function cloudFunctionsRoutes(state: CloudState): Route[] {
  const deploy = (
    call: ApiCall,
    p: string,
    l: string,
    id: string,
    current: Obj | undefined,
  ): Obj => {
    const name = `projects/${p}/locations/${l}/functions/${id}`;
    const body = objectBody(call);
    let fn: Obj = { ...body, name };
    if (current) {
      const mask = call.query.get('updateMask');
      fn = { ...current };
      const fields = mask ? mask.split(',').map((f) => f.split('.')[0] ?? f) : Object.keys(body);
      for (const field of fields) if (body[field] !== undefined) fn[field] = body[field];
    }
    checkFunction(fn);
    const service = `projects/${p}/locations/${l}/services/${id.toLowerCase()}`;
    const uri = `https://${id.toLowerCase()}-${randomBytes(5).toString('hex')}-${l === 'us-central1' ? 'uc' : 'ew'}.a.run.app`;
    const serviceConfig = {
      ...(fn.serviceConfig as Obj),
      service,
      uri: (current?.serviceConfig as Obj | undefined)?.uri ?? uri,
    };
    fn.serviceConfig = serviceConfig;
    fn.url = `https://${l}-${p}.cloudfunctions.net/${id}`;
    fn.environment = 'GEN_2';
    fn.state = 'ACTIVE';
    fn.updateTime = timestamp();
    if (isObj(fn.eventTrigger))
      fn.eventTrigger = trigger(p, l, id, fn.eventTrigger, service, current);
    state.put(service, {
      name: service,
      uri: serviceConfig.uri,
      ingress: ingressOf(serviceConfig),
    });
    state.put(name, fn);
    return state.operation(`projects/${p}/locations/${l}`, {
      metadata: {
        '@type': 'type.googleapis.com/google.cloud.functions.v2.OperationMetadata',
        target: name,
        verb: current ? 'update' : 'create',
      },
      response: { '@type': 'type.googleapis.com/google.cloud.functions.v2.Function', ...fn },
    });
  };

  const trigger = (
    p: string,
    l: string,
    id: string,
    given: Obj,
    service: string,
    current: Obj | undefined,
  ): Obj => {
    const old = isObj(current?.eventTrigger) ? current.eventTrigger : undefined;
    const topic = typeof given.pubsubTopic === 'string' ? given.pubsubTopic : undefined;
    if (topic) state.require(topic);
    const name =
      typeof old?.trigger === 'string'
        ? old.trigger
        : `projects/${p}/locations/${l}/triggers/${id}-${randomBytes(3).toString('hex')}`;
    const short = name.split('/').pop() ?? id;
    const subscription = `projects/${p}/subscriptions/eventarc-${l}-${short}-sub-${randomBytes(2).toString('hex').slice(0, 3)}`;
    const existing = state.get(name);
    const transport = existing?.transport ?? { pubsub: { topic, subscription } };
    if (!existing && topic)
      state.put(subscription, {
        name: subscription,
        topic,
        ackDeadlineSeconds: 600,
        state: 'ACTIVE',
        labels: { 'goog-eventarc': '' },
      });
    state.put(name, {
      name,
      uid: randomUUID(),
      eventFilters: [{ attribute: 'type', value: given.eventType ?? PUBSUB_PUBLISHED }],
      serviceAccount: given.serviceAccountEmail,
      destination: { cloudRun: { service: service.split('/').pop(), region: l } },
      transport,
      createTime: existing?.createTime ?? timestamp(),
      updateTime: timestamp(),
      eventDataContentType: 'application/json',
    });
    return {
      eventType: PUBSUB_PUBLISHED,
      ...given,
      trigger: name,
      triggerRegion: given.triggerRegion ?? l,
    };
  };

  const fnPath = path('/v2/projects/{}/locations/{}/functions/{}');
  return [
    {
      // gcloud checks the runtime against this list before it deploys.
      method: 'GET',
      path: path('/v2/projects/{}/locations/{}/runtimes'),
      handle: () => ok({ runtimes: RUNTIMES }),
    },
    {
      method: 'POST',
      path: path('/v2/projects/{}/locations/{}/functions:generateUploadUrl'),
      handle: (call, [p = '']) => {
        const bucket = `gcf-v2-uploads-${state.projectNumber(p)}`;
        const object = `${randomUUID()}.zip`;
        const uploadUrl = `${call.origin}/upload-signed/${bucket}/${object}?X-Goog-Algorithm=GOOG4-RSA-SHA256&X-Goog-Signature=localcloud`;
        return ok({ uploadUrl, storageSource: { bucket, object } });
      },
    },
    {
      method: 'GET',
      path: fnPath,
      handle: (_c, [p, l, f]) => ok(state.require(`projects/${p}/locations/${l}/functions/${f}`)),
    },
    {
      method: 'POST',
      path: path('/v2/projects/{}/locations/{}/functions'),
      handle: (call, [p = '', l = '']) => {
        const id = call.query.get('functionId') ?? '';
        if (!/^[a-z][a-z0-9-]{0,62}$/.test(id))
          throw invalidArgument(`Invalid function id "${id}"`);
        const name = `projects/${p}/locations/${l}/functions/${id}`;
        if (state.get(name)) throw alreadyExists(name);
        return ok(deploy(call, p, l, id, undefined));
      },
    },
    {
      method: 'PATCH',
      path: fnPath,
      handle: (call, [p = '', l = '', f = '']) =>
        ok(deploy(call, p, l, f, state.require(`projects/${p}/locations/${l}/functions/${f}`))),
    },
    {
      method: 'GET',
      path: path('/v2/projects/{}/locations/{}/operations/{}'),
      handle: (_c, [p, l, o]) =>
        ok(state.requireOperation(`projects/${p}/locations/${l}/operations/${o}`)),
    },
  ];
}

function ingressOf(serviceConfig: Obj): string {
  switch (serviceConfig.ingressSettings) {
    case 'ALLOW_INTERNAL_ONLY':
      return 'INGRESS_TRAFFIC_INTERNAL_ONLY';
    case 'ALLOW_INTERNAL_AND_GCLB':
      return 'INGRESS_TRAFFIC_INTERNAL_LOAD_BALANCER';
    default:
      return 'INGRESS_TRAFFIC_ALL';
  }
}
