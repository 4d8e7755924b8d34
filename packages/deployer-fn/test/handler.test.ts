import { deploymentFixture, pubsubMessage } from '@maskops/localcloud';
import { createMemoryLogger } from '@maskops/shared';
import { createClusterConnector } from '../src/cluster/cluster-connector';
import { googleTokenSource } from '../src/cluster/token-source';
import { readConfig } from '../src/config';
import { defaultRuntime } from '../src/deploy/deps';
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
  const api = createClusterConnector({
    config,
    tokenSource: googleTokenSource({ projectId: config.project }),
  });
  return { config, logger, api, ...defaultRuntime };
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
