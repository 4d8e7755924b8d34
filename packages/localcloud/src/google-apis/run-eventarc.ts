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
