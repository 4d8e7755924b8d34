import { request as httpsRequest } from 'node:https';
import type { SetupHarness } from './harness';

/** The parts of an object (or a Status) the tests read; the rest is checked by value. */
interface KubeObject {
  metadata?: {
    annotations?: Record<string, string>;
    managedFields?: { manager: string; operation: string }[];
  };
  spec?: Record<string, unknown>;
  data?: Record<string, string>;
}

export interface KubeAnswer {
  status: number;
  body: KubeObject;
}

/**
 * One request to the Kubernetes stand-in over HTTPS with its token, as a client outside
 * setup.sh sends it (to read back what was applied, or to patch as the deployer does).
 */
export function kubeRequest(
  h: SetupHarness,
  method: string,
  path: string,
  body?: { contentType: string; value: unknown },
): Promise<KubeAnswer> {
  return new Promise((resolve, reject) => {
    const req = httpsRequest(new URL(path, h.kube.url), {
      method,
      ca: h.kube.caPem,
      headers: {
        authorization: `Bearer ${h.kube.token}`,
        accept: 'application/json',
        ...(body ? { 'content-type': body.contentType } : {}),
      },
    });
    req.on('response', (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (text += d));
      res.on('end', () =>
        resolve({
          status: res.statusCode ?? 0,
          body: text ? (JSON.parse(text) as KubeAnswer['body']) : {},
        }),
      );
    });
    req.on('error', reject);
    req.end(body ? JSON.stringify(body.value) : undefined);
  });
}
