import type { CloudState } from './cloud-state';
import { invalidArgument } from './api-error';
import { objectBody, ok, path } from './route';
import type { Route } from './route';

/** Service Usage v1: enable services (one or a batch), read one. */
export function serviceUsageRoutes(state: CloudState): Route[] {
  const enable = (project: string, ids: unknown): Record<string, unknown> => {
    if (
      !Array.isArray(ids) ||
      ids.length === 0 ||
      ids.some((s) => typeof s !== 'string' || !/^[a-z0-9-]+\.googleapis\.com$/.test(s))
    ) {
      throw invalidArgument(`Invalid service ids: ${JSON.stringify(ids)}`);
    }
    const enabled = state.enabledServices.get(project) ?? new Set<string>();
    for (const id of ids as string[]) enabled.add(id);
    state.enabledServices.set(project, enabled);
    const number = state.projectNumber(project);
    return state.operation('', {
      metadata: { '@type': 'type.googleapis.com/google.protobuf.Empty' },
      response: {
        '@type': 'type.googleapis.com/google.api.serviceusage.v1.BatchEnableServicesResponse',
        services: (ids as string[]).map((id) => ({
          name: `projects/${number}/services/${id}`,
          state: 'ENABLED',
          parent: `projects/${number}`,
        })),
      },
    });
  };
  return [
    {
      method: 'POST',
      path: path('/v1/projects/{}/services:batchEnable'),
      handle: (call, [project]) => ok(enable(project ?? '', objectBody(call).serviceIds)),
    },
    {
      method: 'POST',
      path: path('/v1/projects/{}/services/{}:enable'),
      handle: (_call, [project, id]) => ok(enable(project ?? '', [id])),
    },
    {
      method: 'GET',
      path: path('/v1/projects/{}/services/{}'),
      handle: (_call, [project, id]) => {
        const on = state.enabledServices.get(project ?? '')?.has(id ?? '') ?? false;
        const number = state.projectNumber(project ?? '');
        return ok({
          name: `projects/${number}/services/${id}`,
          parent: `projects/${number}`,
          state: on ? 'ENABLED' : 'DISABLED',
        });
      },
    },
    {
      method: 'GET',
      path: path('/v1/operations/{}'),
      handle: (_call, [id]) => ok(state.requireOperation(`operations/${id}`)),
    },
  ];
}
