import type { DeploymentView, LocalCloud } from '@maskops/localcloud';
import { deploymentFixture, freePort, startLocalCloud } from '@maskops/localcloud';
import { CloudEventMode, cloudEventRequest } from '@maskops/shared';
import { STEP_EVENT_SOURCE, STEP_EVENT_TYPE } from '../../src/canary/step-event';
import type { Fn } from './cloud';
import { OLD_IMAGE, startFunction } from './cloud';

const TASKS_SA = 'maskops-deployer@local-project.iam.gserviceaccount.com';

/** The local cloud with the Cloud Tasks stand-in (short retries). */
export function startCanaryCloud(): Promise<LocalCloud> {
  return startLocalCloud({
    rolloutStepMs: 10,
    cloudTasks: { retry: { maxAttempts: 3, minBackoffMs: 50, maxBackoffMs: 200 } },
  });
}

let counter = 0;

export interface CanaryFn extends Fn {
  canaryName: string;
  canary(): DeploymentView;
  /** Posts a step event as Cloud Tasks would (structured CloudEvent). */
  step(buildId: string, step: number): Promise<number>;
  pending(): Record<string, unknown>[];
}

/**
 * A stable Deployment, its `-canary` twin at 0 replicas, and onNewImage with
 * ROLLOUT_STRATEGY=canary whose tasks come back to it through the stand-in.
 */
export async function startCanaryFunction(
  cloud: LocalCloud,
  env: Record<string, string> = {},
  opts: {
    replicas?: number;
    image?: string;
    annotations?: Record<string, string>;
    /** Env of the stable's and the canary's container (e.g. their MODEL_PATH). */
    env?: Array<{ name: string; value: string }>;
    canaryEnv?: Array<{ name: string; value: string }>;
  } = {},
): Promise<CanaryFn> {
  counter += 1;
  const name = `canary-app-${counter}`;
  const canaryName = `${name}-canary`;
  // A queue per function: Cloud Tasks keeps a used task name taken for an hour.
  const queue = `projects/local-project/locations/us-central1/queues/canary-${counter}`;
  cloud.kube.putDeployment(
    deploymentFixture({
      name: canaryName,
      containers: [
        {
          name: 'inference-api',
          image: OLD_IMAGE,
          ...(opts.canaryEnv ? { env: opts.canaryEnv } : {}),
        },
      ],
      replicas: 0,
    }),
  );
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const fn = await startFunction(cloud, {
    name,
    port,
    replicas: opts.replicas ?? 10,
    ...(opts.image || opts.env
      ? {
          containers: [
            {
              name: 'inference-api',
              image: opts.image ?? OLD_IMAGE,
              ...(opts.env ? { env: opts.env } : {}),
            },
          ],
        }
      : {}),
    ...(opts.annotations ? { annotations: opts.annotations } : {}),
    env: {
      ROLLOUT_STRATEGY: 'canary',
      CLOUD_TASKS_ENDPOINT: cloud.cloudTasks!.url,
      CANARY_TASKS_QUEUE: queue,
      FUNCTION_URL: url,
      CANARY_TASKS_SERVICE_ACCOUNT: TASKS_SA,
      PROMETHEUS_QUERY_URL: 'http://127.0.0.1:9',
      CANARY_INTERVAL_SECONDS: '3600',
      ...env,
    },
  });
  return {
    ...fn,
    canaryName,
    canary: () => cloud.kube.getDeployment('default', canaryName)!,
    step: (buildId, step) =>
      fn.post(
        cloudEventRequest(
          {
            type: STEP_EVENT_TYPE,
            source: STEP_EVENT_SOURCE,
            id: `${buildId}-step-${step}`,
            data: { buildId, step },
          },
          CloudEventMode.STRUCTURED,
        ),
      ),
    pending: () => cloud.cloudTasks!.pendingTasks(queue),
  };
}
