import { startCloudTasks } from './cloud-tasks/server';
import type { CloudTasksOptions, CloudTasksServer } from './cloud-tasks/server';
import { startContainerApi } from './container-api';
import type { ContainerApiServer } from './container-api';
import { startKubeApi } from './kube-api/server';
import type { KubeApiServer } from './kube-api/server';
import { startMetadataServer } from './metadata-server';
import { startPrometheus } from './prometheus/server';
import type { PrometheusOptions, PrometheusServer } from './prometheus/server';
import type { MetadataServer } from './metadata-server';

export interface LocalCloud {
  metadata: MetadataServer;
  kube: KubeApiServer;
  container: ContainerApiServer;
  /** Started when `cloudTasks` is asked for. */
  cloudTasks?: CloudTasksServer;
  /** Started when `prometheus` is asked for. */
  prometheus?: PrometheusServer;
  /**
   * GCE_METADATA_HOST, CONTAINER_API_ENDPOINT, PROJECT, ZONE, CLUSTER for the deployer;
   * CLOUD_TASKS_ENDPOINT and PROMETHEUS_QUERY_URL when those stand-ins run.
   */
  env: Record<string, string>;
  close(): Promise<void>;
}

export interface LocalCloudOptions {
  project?: string;
  location?: string;
  cluster?: string;
  rolloutStepMs?: number;
  /** Start the Cloud Tasks stand-in (it accepts the metadata server's access token). */
  cloudTasks?: boolean | Omit<CloudTasksOptions, 'token'>;
  /** Start the Prometheus query API stand-in (targets are added as pods come and go). */
  prometheus?: boolean | PrometheusOptions;
}

function standInOptions<T extends object>(value: boolean | T | undefined): T | undefined {
  if (value === undefined || value === false) return undefined;
  return value === true ? ({} as T) : value;
}

/** Metadata server + Kubernetes API + Container API wired together like one GKE project. */
export async function startLocalCloud(opts: LocalCloudOptions = {}): Promise<LocalCloud> {
  const project = opts.project ?? 'local-project';
  const location = opts.location ?? 'us-central1-a';
  const cluster = opts.cluster ?? 'maskops';
  const metadata = await startMetadataServer({ projectId: project, zone: location });
  // On GKE the deployer presents its Google access token to the cluster too.
  const kubeOpts: Parameters<typeof startKubeApi>[0] = { token: metadata.token };
  if (opts.rolloutStepMs !== undefined) kubeOpts.rolloutStepMs = opts.rolloutStepMs;
  const kube = await startKubeApi(kubeOpts);
  const container = await startContainerApi({
    token: metadata.token,
    clusters: [{ project, location, name: cluster, endpoint: kube.endpoint, caPem: kube.caPem }],
  });
  const env: Record<string, string> = {
    GCE_METADATA_HOST: metadata.host,
    CONTAINER_API_ENDPOINT: container.url,
    PROJECT: project,
    ZONE: location,
    CLUSTER: cluster,
  };
  const cloud: LocalCloud = {
    metadata,
    kube,
    container,
    env,
    async close() {
      const optional = [cloud.cloudTasks?.close(), cloud.prometheus?.close()];
      await Promise.all([...optional, container.close(), kube.close(), metadata.close()]);
    },
  };
  const tasksOpts = standInOptions(opts.cloudTasks);
  try {
    if (tasksOpts) {
      cloud.cloudTasks = await startCloudTasks({ ...tasksOpts, token: metadata.token });
      env.CLOUD_TASKS_ENDPOINT = cloud.cloudTasks.url;
    }
    const promOpts = standInOptions(opts.prometheus);
    if (promOpts) {
      // The labels Managed Prometheus puts on every series; pods add their namespace.
      cloud.prometheus = await startPrometheus({
        ...promOpts,
        targetLabels: { project_id: project, location, cluster, ...promOpts.targetLabels },
      });
      env.PROMETHEUS_QUERY_URL = cloud.prometheus.url;
    }
  } catch (err) {
    await cloud.close();
    throw err;
  }
  return cloud;
}
