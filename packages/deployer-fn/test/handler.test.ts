import { deploymentFixture, pubsubMessage } from '@maskops/localcloud';
import { createMemoryLogger } from '@maskops/shared';
import { readConfig } from '../src/config';
import { createDeps } from '../src/deps';
import { handleMessage } from '../src/handler';
import type { Cloud } from './helpers/cloud';
import { cloudBuild, digest, OLD_IMAGE, REPO, startCloud } from './helpers/cloud';

// handleMessage is what the replay CLI runs in-process; dry runs must never write.
let cloud: Cloud;
beforeAll(async () => {
  cloud = await startCloud();
  process.env.GCE_METADATA_HOST = cloud.metadata.host;
});
afterAll(() => cloud.close());

function deps(name: string) {
  const config = readConfig({
    ...cloud.env,
    DEPLOYMENT: name,
    IMAGE: REPO,
    ROLLOUT_TIMEOUT_SECONDS: '0',
  });
  const logger = createMemoryLogger();
  return { ...createDeps({ config, logger }), logger };
}

it('dry run returns the patch it would send and writes nothing', async () => {
  cloud.kube.putDeployment(deploymentFixture({ name: 'dry', image: OLD_IMAGE }));
  const d = deps('dry');
  const result = await handleMessage(d, pubsubMessage(cloudBuild()), { dryRun: true });
  expect(result).toMatchObject({
    outcome: 'dry-run',
    ack: true,
    image: `${REPO}@${digest('1')}`,
    previousImage: OLD_IMAGE,
  });
  expect(result.patch?.spec.template.spec.containers).toEqual([
    { name: 'dry', image: `${REPO}@${digest('1')}` },
  ]);
  expect(cloud.kube.requests.filter((r) => r.method === 'PATCH')).toHaveLength(0);
  expect(d.logger.lines).toHaveLength(1);
});

it('returns ack=false instead of throwing for transient failures', async () => {
  cloud.kube.putDeployment(deploymentFixture({ name: 'flaky', image: OLD_IMAGE }));
  cloud.kube.injectFault({
    method: 'GET',
    path: '/apis/apps/v1/namespaces/default/deployments/flaky',
    status: 503,
  });
  const result = await handleMessage(deps('flaky'), pubsubMessage(cloudBuild()));
  expect(result).toMatchObject({ outcome: 'retry', ack: false, code: 'KUBE_UNAVAILABLE' });
});

it('the canary strategy without its clients is a configuration error, not a Kubernetes one', async () => {
  cloud.kube.putDeployment(deploymentFixture({ name: 'half-canary', image: OLD_IMAGE }));
  const d = deps('half-canary');
  const config = readConfig({
    ...cloud.env,
    DEPLOYMENT: 'half-canary',
    IMAGE: REPO,
    ROLLOUT_STRATEGY: 'canary',
    PROMETHEUS_QUERY_URL: 'http://127.0.0.1:9',
    CANARY_TASKS_QUEUE: 'projects/local-project/locations/us-central1/queues/q',
    FUNCTION_URL: 'http://127.0.0.1:9/fn',
    CANARY_TASKS_SERVICE_ACCOUNT: 'maskops-deployer@local-project.iam.gserviceaccount.com',
  });
  const result = await handleMessage({ ...d, config }, pubsubMessage(cloudBuild()));
  expect(result).toMatchObject({ outcome: 'rejected', ack: true, code: 'CANARY_NOT_CONFIGURED' });
  expect(cloud.kube.requests.filter((r) => r.method === 'PATCH')).toHaveLength(0);
});
