import type { CloudState } from './cloud-state';
import { ok, path } from './route';
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

/** Eventarc v1: triggers, read (functions create them). */
export function eventarcRoutes(state: CloudState): Route[] {
  return [
    {
      method: 'GET',
      path: path('/v1/projects/{}/locations/{}/triggers/{}'),
      handle: (_c, [p, l, t]) => ok(state.require(`projects/${p}/locations/${l}/triggers/${t}`)),
    },
  ];
}
