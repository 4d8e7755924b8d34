import type { CloudState } from './cloud-state';
import { ok, path } from './route';
import type { Route } from './route';
import { policyRoutes } from './policy-routes';

/**
 * Cloud Resource Manager v1 and v3: every well-formed project id exists, ACTIVE, owned
 * by the caller, with a fixed project number.
 */
export function resourceManagerRoutes(state: CloudState): Route[] {
  const project = (id: string): Record<string, unknown> => ({
    projectNumber: state.projectNumber(id),
    projectId: id,
    lifecycleState: 'ACTIVE',
    name: id,
    createTime: '2026-01-01T00:00:00.000Z',
  });
  return [
    { method: 'GET', path: path('/v1/projects/{}'), handle: (_c, [id]) => ok(project(id ?? '')) },
    {
      method: 'GET',
      path: path('/v3/projects/{}'),
      handle: (_c, [id]) =>
        ok({
          name: `projects/${state.projectNumber(id ?? '')}`,
          projectId: id,
          state: 'ACTIVE',
          displayName: id,
        }),
    },
    ...policyRoutes(state, 'v1', 'projects/[^/:]+'),
    ...policyRoutes(state, 'v3', 'projects/[^/:]+'),
  ];
}
