import type { V1Deployment } from '@kubernetes/client-node';
import type { DeployerConfig } from '../config';
import { classifyKubeError, permanent, statusOf } from '../errors';
import { fetchClusterAccess } from './gke-cluster';
import type { DeploymentsApi } from './kube-client';
import { fileKubeConfig, gkeKubeConfig, kubeDeploymentsApi } from './kube-client';
import type { TokenSource } from './token-source';

export interface ClusterConnectorOptions {
  config: Pick<
    DeployerConfig,
    'containerApiEndpoint' | 'project' | 'zone' | 'cluster' | 'kubeconfig'
  >;
  tokenSource: TokenSource;
  /** Per HTTP call, Container API and Kubernetes alike. */
  timeoutMs?: number;
}

export interface ClusterConnector extends DeploymentsApi {
  /** How many times credentials were (re)built; for tests and logs. */
  readonly connects: number;
}

/**
 * A DeploymentsApi that connects lazily, caches the connection for the life of
 * the instance, and on a 401 refreshes the token (and the cluster lookup) once
 * and retries. Kubernetes errors come out classified (permanent/transient).
 */
export function createClusterConnector(options: ClusterConnectorOptions): ClusterConnector {
  const { config, tokenSource } = options;
  const timeoutMs = options.timeoutMs ?? 15_000;
  let cached: Promise<DeploymentsApi> | undefined;
  let connects = 0;

  const connect = async (forceRefresh: boolean): Promise<DeploymentsApi> => {
    connects += 1;
    if (config.kubeconfig !== undefined) {
      try {
        return kubeDeploymentsApi(fileKubeConfig(config.kubeconfig), { timeoutMs });
      } catch (err) {
        throw permanent(
          'KUBECONFIG_INVALID',
          `cannot load KUBECONFIG: ${(err as Error).message.slice(0, 200)}`,
          {
            cause: err,
          },
        );
      }
    }
    const token = await tokenSource.getToken({ forceRefresh });
    const access = await fetchClusterAccess(config, token, { timeoutMs });
    return kubeDeploymentsApi(gkeKubeConfig(access, token), { timeoutMs });
  };

  const api = (forceRefresh = false): Promise<DeploymentsApi> => {
    if (!cached || forceRefresh) {
      const attempt = connect(forceRefresh);
      cached = attempt;
      // A failed connection is not cached: the next message tries again.
      attempt.catch(() => {
        if (cached === attempt) cached = undefined;
      });
    }
    return cached;
  };

  async function call<T>(what: string, op: (a: DeploymentsApi) => Promise<T>): Promise<T> {
    const first = await api();
    try {
      return await op(first);
    } catch (err) {
      if (statusOf(err) !== 401) throw classifyKubeError(err, what);
    }
    try {
      return await op(await api(true));
    } catch (err) {
      throw classifyKubeError(err, what);
    }
  }

  return {
    get connects() {
      return connects;
    },
    read: (ns, name): Promise<V1Deployment> =>
      call(`read deployment ${ns}/${name}`, (a) => a.read(ns, name)),
    patch: (ns, name, body): Promise<V1Deployment> =>
      call(`patch deployment ${ns}/${name}`, (a) => a.patch(ns, name, body)),
  };
}
