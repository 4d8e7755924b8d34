import { Annotation, Track } from '@maskops/shared';
import { trackLabels } from './canary-demo';

/**
 * The demo's inference-api Deployment as the first build left it: the stable track's
 * labels, a rolling update that never drops below `replicas`, and the build annotations
 * the deployer orders pushes by.
 */
export function stableDeployment(o: {
  name: string;
  namespace: string;
  container: string;
  replicas: number;
  image: string;
  buildId: string;
  finishTime: string;
  /** How long a rollout may go without progress (the demo's model rollouts wait less). */
  progressDeadlineSeconds?: number;
}): Record<string, unknown> {
  const labels = trackLabels(o.name, Track.STABLE);
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: {
      name: o.name,
      namespace: o.namespace,
      annotations: { [Annotation.BUILD_ID]: o.buildId, [Annotation.FINISH_TIME]: o.finishTime },
    },
    spec: {
      replicas: o.replicas,
      progressDeadlineSeconds: o.progressDeadlineSeconds ?? 120,
      selector: { matchLabels: labels },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
      template: {
        metadata: { labels },
        spec: { containers: [{ name: o.container, image: o.image }] },
      },
    },
  };
}
