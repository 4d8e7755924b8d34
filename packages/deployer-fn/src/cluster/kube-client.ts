import type {
  ConfigurationOptions,
  RequestContext,
  ResponseContext,
  V1Deployment,
} from '@kubernetes/client-node';
import { AppsV1Api, KubeConfig, PatchStrategy, setHeaderOptions } from '@kubernetes/client-node';
import type { ClusterAccess } from './gke-cluster';
import { loadKubeconfigFile } from './kubeconfig-file';

/** The two Deployment calls the deployer makes; the deploy code sees only this. */
export interface DeploymentsApi {
  read(namespace: string, name: string): Promise<V1Deployment>;
  /** Strategic-merge patch. */
  patch(namespace: string, name: string, body: object): Promise<V1Deployment>;
}

/** A KubeConfig for a GKE cluster: token auth, TLS verified against the cluster CA. */
export function gkeKubeConfig(access: ClusterAccess, token: string): KubeConfig {
  const kc = new KubeConfig();
  kc.loadFromOptions({
    clusters: [
      {
        name: 'gke',
        server: access.server,
        caData: Buffer.from(access.caPem).toString('base64'),
        skipTLSVerify: false,
      },
    ],
    users: [{ name: 'deployer', token }],
    contexts: [{ name: 'gke', cluster: 'gke', user: 'deployer' }],
    currentContext: 'gke',
  });
  return kc;
}

/** The `KUBECONFIG` file, checked for a usable current context (see loadKubeconfigFile). */
export function fileKubeConfig(path: string): KubeConfig {
  return loadKubeconfigFile(path);
}

/** client-node calls with a per-request timeout and the strategic-merge content type. */
export function kubeDeploymentsApi(kc: KubeConfig, options: { timeoutMs: number }): DeploymentsApi {
  const apps = kc.makeApiClient(AppsV1Api);
  // ObjectParamAPI wants rxjs-style middleware; setHeaderOptions builds one, and
  // its `pre` is wrapped to also give every request its own timeout.
  const callOptions = (header: string, value: string): ConfigurationOptions => {
    const opts = setHeaderOptions(header, value);
    const middleware = (opts.middleware ?? []).map((m) => ({
      pre: (ctx: RequestContext) => {
        ctx.setSignal(AbortSignal.timeout(options.timeoutMs));
        return m.pre(ctx);
      },
      post: (rsp: ResponseContext) => m.post(rsp),
    }));
    return { ...opts, middleware };
  };
  return {
    read: (namespace, name) =>
      apps.readNamespacedDeployment({ namespace, name }, callOptions('Accept', 'application/json')),
    patch: (namespace, name, body) =>
      apps.patchNamespacedDeployment(
        { namespace, name, body, fieldManager: 'maskops-deployer' },
        callOptions('Content-Type', PatchStrategy.StrategicMergePatch),
      ),
  };
}
