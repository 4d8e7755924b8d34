import { AppsV1Api, KubeConfig } from '@kubernetes/client-node';
import type { KubeApiServer } from '../src/kube-api/server';

/** A client-node KubeConfig for the stand-in, the way the deployer builds one for GKE. */
export function kubeConfigFor(
  kube: Pick<KubeApiServer, 'url' | 'caPem' | 'token'>,
  overrides: { token?: string; caPem?: string } = {},
): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [
      {
        name: 'local',
        server: kube.url,
        caData: Buffer.from(overrides.caPem ?? kube.caPem).toString('base64'),
        skipTLSVerify: false,
      },
    ],
    users: [{ name: 'local', token: overrides.token ?? kube.token }],
    contexts: [{ name: 'local', cluster: 'local', user: 'local' }],
    currentContext: 'local',
  });
  return kc;
}

export function appsApi(
  kube: KubeApiServer,
  overrides?: { token?: string; caPem?: string },
): AppsV1Api {
  return kubeConfigFor(kube, overrides).makeApiClient(AppsV1Api);
}
