import { randomUUID } from 'node:crypto';
import { isObj } from '@maskops/shared';
import type { CloudState } from './cloud-state';
import { invalidArgument } from './api-error';
import { objectBody, ok, path } from './route';
import type { Route } from './route';
import { timestamp } from './timestamps';

/**
 * Cloud Build v1, regional: `builds.create` answers the operation the API answers and
 * keeps the Build, which `builds.get` returns. The build does not run here (the local
 * Cloud Build of packages/e2e runs cloudbuild.yaml): it is recorded, with its source
 * and steps as sent, and finished at once as SUCCESS without results (no image was
 * pushed), so that `gcloud builds submit` returns and what it sent can be checked.
 */
export function cloudBuildRoutes(state: CloudState): Route[] {
  return [
    {
      method: 'POST',
      path: path('/v1/projects/{}/locations/{}/builds'),
      handle: (call, [p = '', l = '']) => {
        const body = objectBody(call);
        const steps = body.steps;
        if (!Array.isArray(steps) || steps.length === 0) {
          throw invalidArgument('invalid build: a build must have at least one step');
        }
        if (steps.some((s) => !isObj(s) || typeof s.name !== 'string' || s.name === '')) {
          throw invalidArgument('invalid build: every step needs a name');
        }
        const options = isObj(body.options) ? body.options : {};
        // A build run as a chosen service account must say where its logs go.
        if (
          typeof body.serviceAccount === 'string' &&
          body.logsBucket === undefined &&
          !['CLOUD_LOGGING_ONLY', 'NONE'].includes(String(options.logging))
        ) {
          throw invalidArgument(
            'invalid build: a build with a service account needs a logs bucket or options.logging CLOUD_LOGGING_ONLY or NONE',
          );
        }
        const id = randomUUID();
        const now = timestamp();
        const build = {
          ...body,
          id,
          name: `projects/${p}/locations/${l}/builds/${id}`,
          projectId: p,
          status: 'SUCCESS',
          statusDetail: 'localcloud records builds and does not run them',
          createTime: now,
          startTime: now,
          finishTime: now,
          results: {},
          logUrl: `https://console.cloud.google.com/cloud-build/builds;region=${l}/${id}?project=${state.projectNumber(p)}`,
        };
        state.put(build.name, build);
        return ok(
          state.operation(`projects/${p}/locations/${l}`, {
            metadata: {
              '@type': 'type.googleapis.com/google.devtools.cloudbuild.v1.BuildOperationMetadata',
              build,
            },
            response: {
              '@type': 'type.googleapis.com/google.devtools.cloudbuild.v1.Build',
              ...build,
            },
          }),
        );
      },
    },
    {
      method: 'GET',
      path: path('/v1/projects/{}/locations/{}/builds/{}'),
      handle: (_c, [p, l, b]) => ok(state.require(`projects/${p}/locations/${l}/builds/${b}`)),
    },
    {
      method: 'GET',
      path: path('/v1/projects/{}/locations/{}/operations/{}'),
      handle: (_c, [p, l, o]) =>
        ok(state.requireOperation(`projects/${p}/locations/${l}/operations/${o}`)),
    },
  ];
}
