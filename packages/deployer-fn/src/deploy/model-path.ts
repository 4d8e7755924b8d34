import type { V1Container } from '@kubernetes/client-node';

/** The env var inference-api loads its model from; the one thing a model rollout patches. */
export const MODEL_PATH_ENV = 'MODEL_PATH';

/** The container's MODEL_PATH value; null when it has none (or takes it from a ConfigMap or Secret). */
export function modelPathOf(container: V1Container | undefined): string | null {
  const env = container?.env?.find((e) => e.name === MODEL_PATH_ENV);
  return env?.value ?? null;
}
