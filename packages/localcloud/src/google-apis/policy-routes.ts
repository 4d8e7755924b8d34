import type { CloudState } from './cloud-state';
import { objectBody, ok } from './route';
import type { Route } from './route';

/**
 * `:getIamPolicy` / `:setIamPolicy` / `:testIamPermissions` on the resources that
 * `pattern` matches (a RegExp source for the resource name, after `/vN/`).
 * Pub/Sub and Cloud Storage read policies with GET, most APIs with POST; `exists`
 * decides the 404 for a resource that is not there.
 */
export function policyRoutes(
  state: CloudState,
  version: string,
  pattern: string,
  opts: { getMethod?: 'GET' | 'POST'; exists?: (resource: string) => boolean } = {},
): Route[] {
  const resourceOf = (params: string[]): string => {
    const resource = params[0] ?? '';
    if (opts.exists && !opts.exists(resource)) state.require(resource);
    return resource;
  };
  const at = (verb: string): RegExp => new RegExp(`^/${version}/(${pattern}):${verb}$`);
  return [
    {
      method: opts.getMethod ?? 'POST',
      path: at('getIamPolicy'),
      handle: (_call, params) => ok(state.policies.get(resourceOf(params))),
    },
    {
      method: 'POST',
      path: at('setIamPolicy'),
      handle: (call, params) => ok(state.policies.set(resourceOf(params), objectBody(call).policy)),
    },
    {
      method: 'POST',
      path: at('testIamPermissions'),
      // The caller is the project's owner here: every permission asked for is held.
      handle: (call, params) => {
        resourceOf(params);
        const asked = objectBody(call).permissions;
        return ok(Array.isArray(asked) && asked.length > 0 ? { permissions: asked } : {});
      },
    },
  ];
}
