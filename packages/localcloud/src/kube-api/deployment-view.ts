type Meta = {
  name?: string;
  namespace?: string;
  generation?: number;
  resourceVersion?: string;
  labels?: Record<string, string>;
  annotations?: Record<string, string>;
  [k: string]: unknown;
};

export type DeploymentCondition = {
  type: string;
  status: string;
  reason?: string;
  message?: string;
  [k: string]: unknown;
};

/**
 * A stored Deployment as readers see it: the fields `normalizeDeployment` checked
 * (name, replicas, containers with name and image), what the store sets
 * (generation, resourceVersion, a status object) and the status fields the rollout
 * controller writes; everything else stays `unknown`.
 */
export type DeploymentView = {
  apiVersion: string;
  kind: string;
  metadata: Meta & { name: string; namespace: string; generation: number; resourceVersion: string };
  spec: {
    replicas: number;
    progressDeadlineSeconds?: number;
    template: {
      metadata?: Meta;
      spec: { containers: Array<{ name: string; image: string; [k: string]: unknown }> };
      [k: string]: unknown;
    };
    [k: string]: unknown;
  };
  status: {
    observedGeneration?: number;
    replicas?: number;
    updatedReplicas?: number;
    readyReplicas?: number;
    availableReplicas?: number;
    conditions?: DeploymentCondition[];
    [k: string]: unknown;
  };
};
