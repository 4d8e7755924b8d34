import type { CloudState } from './cloud-state';
import { invalidArgument } from './api-error';
import { objectBody, ok, path } from './route';
import type { Route } from './route';
import { policyRoutes } from './policy-routes';
import { timestamp } from './timestamps';

const FORMATS = ['DOCKER', 'MAVEN', 'NPM', 'APT', 'YUM', 'PYTHON', 'GO', 'KFP', 'GENERIC'];

/** Artifact Registry v1: repositories (get, create as an operation) and their policies. */
export function artifactRegistryRoutes(state: CloudState): Route[] {
  return [
    {
      method: 'GET',
      path: path('/v1/projects/{}/locations/{}/repositories/{}'),
      handle: (_c, [p, l, r]) =>
        ok(state.require(`projects/${p}/locations/${l}/repositories/${r}`)),
    },
    {
      method: 'POST',
      path: path('/v1/projects/{}/locations/{}/repositories'),
      handle: (call, [p, l]) => {
        const id = call.query.get('repositoryId') ?? '';
        if (!/^[a-z]([a-z0-9-]{0,61}[a-z0-9])?$/.test(id))
          throw invalidArgument(`Invalid repository id "${id}"`);
        const body = objectBody(call);
        if (!FORMATS.includes(String(body.format)))
          throw invalidArgument(`Invalid format ${String(body.format)}`);
        const name = `projects/${p}/locations/${l}/repositories/${id}`;
        const now = timestamp();
        const repo = {
          ...body,
          name,
          createTime: now,
          updateTime: now,
          mode: body.mode ?? 'STANDARD_REPOSITORY',
        };
        state.create(name, repo);
        return ok(
          state.operation(`projects/${p}/locations/${l}`, {
            metadata: {
              '@type': 'type.googleapis.com/google.devtools.artifactregistry.v1.OperationMetadata',
            },
            response: {
              '@type': 'type.googleapis.com/google.devtools.artifactregistry.v1.Repository',
              ...repo,
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
    ...policyRoutes(state, 'v1', 'projects/[^/:]+/locations/[^/:]+/repositories/[^/:]+', {
      exists: (r) => state.get(r) !== undefined,
    }),
  ];
}
