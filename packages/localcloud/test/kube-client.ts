import { request as httpsRequest } from 'node:https';
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

/** The status and parsed body; `T` names the fields a test reads. */
export type RawResponse<T = unknown> = { status: number; json: T };

/** One HTTPS request with the stand-in's CA, for what typed clients cannot send. */
export function rawRequest<T = unknown>(
  kube: KubeApiServer,
  method: string,
  path: string,
  opts: { body?: string | Buffer; contentType?: string; token?: string } = {},
): Promise<RawResponse<T>> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = { authorization: `Bearer ${opts.token ?? kube.token}` };
    if (opts.contentType) headers['content-type'] = opts.contentType;
    const req = httpsRequest(`${kube.url}${path}`, { method, ca: kube.caPem, headers }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (text += chunk));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, json: (text ? JSON.parse(text) : undefined) as T }),
      );
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}
