import { sleep } from '@maskops/localcloud';

type DeploymentReader = {
  getDeployment(namespace: string, name: string): Record<string, any> | undefined; // eslint-disable-line @typescript-eslint/no-explicit-any
};

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
    const progressing = (s.conditions ?? []).find(
      (c: { type: string }) => c.type === 'Progressing',
    );
    if (
      d?.spec.template.spec.containers[0].image === image &&
      s.observedGeneration >= d?.metadata.generation &&
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
