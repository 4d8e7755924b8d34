import type { V1Container, V1Deployment } from '@kubernetes/client-node';
import { permanent } from '../errors';

/**
 * The container to patch: the one named by CONTAINER, or the only one. Guessing
 * among several would risk replacing a sidecar with the model server.
 */
export function selectContainer(deployment: V1Deployment, name: string | undefined): V1Container {
  const containers = deployment.spec?.template?.spec?.containers ?? [];
  const names = containers.map((c) => c.name);
  const where = `${deployment.metadata?.namespace ?? '?'}/${deployment.metadata?.name ?? '?'}`;
  if (name !== undefined) {
    const found = containers.find((c) => c.name === name);
    if (!found) {
      throw permanent(
        'CONTAINER_NOT_FOUND',
        `Deployment ${where} has no container "${name}" (containers: ${names.join(', ') || 'none'})`,
        {
          details: { containers: names },
        },
      );
    }
    return found;
  }
  if (containers.length !== 1) {
    throw permanent(
      containers.length === 0 ? 'CONTAINER_NOT_FOUND' : 'CONTAINER_AMBIGUOUS',
      `Deployment ${where} has ${containers.length} containers (${names.join(', ') || 'none'}); set CONTAINER to choose one`,
      { details: { containers: names } },
    );
  }
  return containers[0];
}
