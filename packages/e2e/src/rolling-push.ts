import { cloudEventBinary, pubsubMessage, type FunctionProcess } from '@maskops/localcloud';
import type { ServiceProxy } from './service-proxy';
import { waitRollout, type DeploymentReader } from './wait-rollout';

/** What one rolling push needs from the demo's running pieces. */
export interface RollingPushContext {
  kube: DeploymentReader;
  namespace: string;
  deployment: string;
  repository: string;
  replicas: number;
  /** push-builds.ts (directory images) or container/container-builds.ts (cloudbuild.yaml). */
  builder: {
    build(n: number): Promise<{
      image: { digest: string };
      buildId: string;
      message: Record<string, unknown>;
    }>;
  };
  fn: FunctionProcess;
  service: ServiceProxy;
  topic: string;
  log: (line: string) => void;
}

/**
 * Push `n` with the rolling strategy: build, notify the function, wait until the
 * Deployment serves the new digest; then redeliver the previous push's message, which
 * the deployer must refuse (Pub/Sub redelivers out of order: the older build must not
 * come back). Returns the build and its message, the next push's "previous".
 */
export async function rollingPush(
  c: RollingPushContext,
  n: number,
  previous: Record<string, unknown> | undefined,
): Promise<{ buildId: string; message: Record<string, unknown> }> {
  c.log(`[push ${n}] git push → local Cloud Build`);
  const { image, buildId, message } = await c.builder.build(n);
  const status = await c.fn.deliver(cloudEventBinary(pubsubMessage(message), { topic: c.topic }));
  c.log(`[push ${n}] function answered ${status}`);
  await waitRollout(
    c.kube,
    c.namespace,
    c.deployment,
    `${c.repository}@${image.digest}`,
    c.replicas,
    240000,
  );
  const endpoints = c.service
    .listEndpoints()
    .map((e) => e.name)
    .join(', ');
  c.log(`[push ${n}] rollout complete: ${buildId} serves on ${endpoints}`);
  if (previous) {
    const late = await c.fn.deliver(cloudEventBinary(pubsubMessage(previous), { topic: c.topic }));
    c.log(
      `[push ${n}] late redelivery of the previous build answered ${late}; deployment still at ${buildId}`,
    );
  }
  return { buildId, message };
}
