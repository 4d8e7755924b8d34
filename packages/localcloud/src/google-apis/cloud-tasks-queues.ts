import type { CloudState } from './cloud-state';
import { invalidArgument } from './api-error';
import { policyRoutes } from './policy-routes';
import { objectBody, ok, path } from './route';
import type { Route } from './route';

/**
 * Cloud Tasks v2 queues as resources (get, create, IAM policy: setup.sh grants
 * `cloudtasks.enqueuer` on the queue only). Tasks themselves are `startCloudTasks`'
 * business.
 */
export function cloudTasksQueueRoutes(state: CloudState): Route[] {
  return [
    {
      method: 'GET',
      path: path('/v2/projects/{}/locations/{}/queues/{}'),
      handle: (_c, [p, l, q]) => ok(state.require(`projects/${p}/locations/${l}/queues/${q}`)),
    },
    {
      method: 'POST',
      path: path('/v2/projects/{}/locations/{}/queues'),
      handle: (call, [p, l]) => {
        const body = objectBody(call);
        const name = String(body.name);
        const prefix = `projects/${p}/locations/${l}/queues/`;
        if (!name.startsWith(prefix) || !/^[A-Za-z0-9-]{1,100}$/.test(name.slice(prefix.length))) {
          throw invalidArgument(`Invalid queue name: ${name}`);
        }
        return ok(
          state.create(name, {
            rateLimits: {
              maxDispatchesPerSecond: 500,
              maxBurstSize: 100,
              maxConcurrentDispatches: 1000,
            },
            retryConfig: {
              maxAttempts: 100,
              minBackoff: '0.100s',
              maxBackoff: '3600s',
              maxDoublings: 16,
            },
            state: 'RUNNING',
            ...body,
          }),
        );
      },
    },
    ...policyRoutes(state, 'v2', 'projects/[^/:]+/locations/[^/:]+/queues/[^/:]+', {
      exists: (r) => state.get(r) !== undefined,
    }),
  ];
}
