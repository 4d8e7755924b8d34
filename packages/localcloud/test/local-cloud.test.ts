import { AppsV1Api, KubeConfig } from '@kubernetes/client-node';
import { GoogleAuth } from 'google-auth-library';
import { deploymentFixture } from '../src/kube-api/deployment-object';
import { startLocalCloud } from '../src/local-cloud';
import type { LocalCloud } from '../src/local-cloud';
import { startTarget } from './cloud-tasks/target-server';

describe('startLocalCloud', () => {
  let cloud: LocalCloud;
  const saved = { ...process.env };

  beforeAll(async () => {
    cloud = await startLocalCloud({
      project: 'proj',
      location: 'europe-west1-b',
      cluster: 'gke-1',
    });
    Object.assign(process.env, cloud.env);
    delete process.env.GOOGLE_APPLICATION_CREDENTIALS;
  });
  afterAll(async () => {
    process.env = saved;
    await cloud.close();
  });

  it('exposes the deployer environment', () => {
    expect(cloud.env).toEqual({
      GCE_METADATA_HOST: cloud.metadata.host,
      CONTAINER_API_ENDPOINT: cloud.container.url,
      PROJECT: 'proj',
      ZONE: 'europe-west1-b',
      CLUSTER: 'gke-1',
    });
  });

  it('walks the deployer path: ADC token → Container API cluster → verified TLS to Kubernetes', async () => {
    cloud.kube.putDeployment(deploymentFixture({ name: 'inference-api', image: 'repo/api:1' }));
    const token = await new GoogleAuth({
      scopes: ['https://www.googleapis.com/auth/cloud-platform'],
    }).getAccessToken();
    const { PROJECT, ZONE, CLUSTER, CONTAINER_API_ENDPOINT } = cloud.env;
    const res = await fetch(
      `${CONTAINER_API_ENDPOINT}/v1/projects/${PROJECT}/locations/${ZONE}/clusters/${CLUSTER}`,
      { headers: { authorization: `Bearer ${token}` } },
    );
    expect(res.status).toBe(200);
    // As on GKE, the Google access token is also the cluster's bearer token.
    expect(token).toBe(cloud.kube.token);
    const cluster = (await res.json()) as {
      endpoint: string;
      masterAuth: { clusterCaCertificate: string };
    };

    const kc = new KubeConfig();
    kc.loadFromOptions({
      clusters: [
        {
          name: 'gke',
          server: `https://${cluster.endpoint}`,
          caData: cluster.masterAuth.clusterCaCertificate,
        },
      ],
      users: [{ name: 'gke', token: token ?? '' }],
      contexts: [{ name: 'gke', cluster: 'gke', user: 'gke' }],
      currentContext: 'gke',
    });
    const d = await kc
      .makeApiClient(AppsV1Api)
      .readNamespacedDeployment({ name: 'inference-api', namespace: 'default' });
    expect(d.spec?.template.spec?.containers[0]?.image).toBe('repo/api:1');
    expect(cloud.container.requests.at(-1)).toMatchObject({ status: 200 });
  });

  it('gives the Kubernetes API a kubeconfig usable by client-node', async () => {
    const kc = new KubeConfig();
    kc.loadFromString(cloud.kube.kubeconfig({ namespace: 'team' }));
    expect(kc.getContextObject(kc.getCurrentContext())?.namespace).toBe('team');
    const list = await kc
      .makeApiClient(AppsV1Api)
      .listNamespacedDeployment({ namespace: 'default' });
    expect(list.items.map((d) => d.metadata?.name)).toContain('inference-api');
  });
});

describe('startLocalCloud with the optional stand-ins', () => {
  it('starts Prometheus when asked, names it in env and closes it with the rest', async () => {
    const cloud = await startLocalCloud({ prometheus: { scrapeIntervalMs: 60_000 } });
    try {
      expect(cloud.env.PROMETHEUS_QUERY_URL).toBe(cloud.prometheus?.url);
      expect(cloud.cloudTasks).toBeUndefined();
      const res = await fetch(`${cloud.env.PROMETHEUS_QUERY_URL}/api/v1/query?query=up`);
      await expect(res.json()).resolves.toEqual({
        status: 'success',
        data: { resultType: 'vector', result: [] },
      });
    } finally {
      await cloud.close();
    }
    await expect(fetch(`${cloud.env.PROMETHEUS_QUERY_URL}/-/healthy`)).rejects.toThrow();
  });

  it('starts Cloud Tasks behind the metadata token and names it in env', async () => {
    const cloud = await startLocalCloud({ cloudTasks: { retry: { maxAttempts: 1 } } });
    const target = await startTarget();
    try {
      const { CLOUD_TASKS_ENDPOINT } = cloud.env;
      expect(CLOUD_TASKS_ENDPOINT).toBe(cloud.cloudTasks?.url);
      const queue = 'projects/local-project/locations/us-central1/queues/q';
      const res = await fetch(`${CLOUD_TASKS_ENDPOINT}/v2/${queue}/tasks`, {
        method: 'POST',
        headers: { authorization: `Bearer ${cloud.metadata.token}` },
        body: JSON.stringify({
          task: { name: `${queue}/tasks/t1`, httpRequest: { url: target.url } },
        }),
      });
      expect(res.status).toBe(200);
      await cloud.cloudTasks?.waitDelivered('t1');
      expect(target.received).toHaveLength(1);
    } finally {
      await cloud.close();
      await target.close();
    }
  });
});
