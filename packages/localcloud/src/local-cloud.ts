import { startContainerApi } from './container-api';
import type { ContainerApiServer } from './container-api';
import { startKubeApi } from './kube-api/server';
import type { KubeApiServer } from './kube-api/server';
import { startMetadataServer } from './metadata-server';
import type { MetadataServer } from './metadata-server';

export interface LocalCloud {
  metadata: MetadataServer;
  kube: KubeApiServer;
  container: ContainerApiServer;
  /** GCE_METADATA_HOST, CONTAINER_API_ENDPOINT, PROJECT, ZONE, CLUSTER for the deployer. */
  env: Record<string, string>;
  close(): Promise<void>;
}

export interface LocalCloudOptions {
  project?: string;
  location?: string;
  cluster?: string;
  rolloutStepMs?: number;
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
  return {
    metadata,
    kube,
    container,
    env: {
      GCE_METADATA_HOST: metadata.host,
      CONTAINER_API_ENDPOINT: container.url,
      PROJECT: project,
      ZONE: location,
      CLUSTER: cluster,
    },
    async close() {
      await Promise.all([container.close(), kube.close(), metadata.close()]);
    },
  };
}
