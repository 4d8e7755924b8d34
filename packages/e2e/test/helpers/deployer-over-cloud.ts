import { deploymentFixture, FunctionProcess, type LocalCloud } from '@maskops/localcloud';
import { deployerFunction } from '../../src/deployer-function';

/**
 * The real deployer function (functions-framework) over `cloud`, whose
 * `maskops/inference-api` Deployment serves `serving`; it deploys images of
 * `repository` and does not wait for rollouts (ROLLOUT_TIMEOUT_SECONDS=0).
 */
export function startDeployerOverCloud(
  cloud: LocalCloud,
  serving: string,
  repository: string,
): Promise<FunctionProcess> {
  cloud.kube.putDeployment(
    deploymentFixture({ name: 'inference-api', namespace: 'maskops', image: serving }),
  );
  return FunctionProcess.start(
    deployerFunction({
      env: {
        ...cloud.env,
        DEPLOYMENT: 'inference-api',
        NAMESPACE: 'maskops',
        IMAGE: repository,
        ROLLOUT_TIMEOUT_SECONDS: '0',
      },
    }),
  );
}
