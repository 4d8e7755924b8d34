import { sleep } from '@maskops/localcloud';
import type { KubeApiServer } from '@maskops/localcloud';

export type DeploymentReader = Pick<KubeApiServer, 'getDeployment'>;

/**
 * Waits until the Deployment runs `image` everywhere, judged the way
 * `kubectl rollout status` does: generation observed, every replica updated and
 * available, no old ones left, Progressing=NewReplicaSetAvailable.
 */
export async function waitRollout(
  kube: DeploymentReader,
  namespace: string,
  name: string,
  image: string,
  replicas: number,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const d = kube.getDeployment(namespace, name);
    const s = d?.status ?? {};
    const progressing = (s.conditions ?? []).find((c) => c.type === 'Progressing');
    if (
      d?.spec.template.spec.containers[0].image === image &&
      (s.observedGeneration ?? 0) >= (d.metadata.generation ?? 0) &&
      s.updatedReplicas === replicas &&
      s.availableReplicas === replicas &&
      s.replicas === replicas &&
      progressing?.reason === 'NewReplicaSetAvailable'
    ) {
      return;
    }
    await sleep(200);
  }
  throw new Error(`rollout to ${image} did not complete within ${timeoutMs / 1000} s`);
}
