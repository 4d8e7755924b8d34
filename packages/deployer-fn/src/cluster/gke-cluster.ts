import { X509Certificate } from 'node:crypto';
import type { DeployerConfig } from '../config';
import { permanent, transient } from '../errors';

/** Where the cluster's API server is and the CA that must sign its certificate. */
export interface ClusterAccess {
  /** `https://host[:port]` */
  readonly server: string;
  readonly caPem: string;
}

const ENDPOINT = /^(?:[A-Za-z0-9.-]+|\[[0-9A-Fa-f:.]+\])(?::\d{1,5})?$/;

function isPemCertificate(pem: string): boolean {
  if (!pem.includes('-----BEGIN CERTIFICATE-----')) return false;
  try {
    new X509Certificate(pem);
    return true;
  } catch {
    return false;
  }
}

function clusterUrl(
  config: Pick<DeployerConfig, 'containerApiEndpoint' | 'project' | 'zone' | 'cluster'>,
): string {
  const seg = encodeURIComponent;
  return `${config.containerApiEndpoint}/v1/projects/${seg(config.project)}/locations/${seg(config.zone)}/clusters/${seg(config.cluster)}`;
}

/**
 * Reads the cluster's endpoint and CA from the Container API. 404 and 403 mean
 * the configuration or IAM is wrong: redelivery cannot fix that, so they are
 * permanent. Everything else (5xx, 429, 401, timeouts, odd bodies) is transient.
 */
export async function fetchClusterAccess(
  config: Pick<DeployerConfig, 'containerApiEndpoint' | 'project' | 'zone' | 'cluster'>,
  token: string,
  options: { timeoutMs: number },
): Promise<ClusterAccess> {
  const url = clusterUrl(config);
  const name = `${config.project}/${config.zone}/${config.cluster}`;
  let res: Response;
  try {
    res = await fetch(url, {
      headers: { authorization: `Bearer ${token}`, accept: 'application/json' },
      signal: AbortSignal.timeout(options.timeoutMs),
    });
  } catch (err) {
    throw transient(
      'CONTAINER_API_UNAVAILABLE',
      `Container API unreachable for cluster ${name}: ${(err as Error).name}`,
      {
        cause: err,
      },
    );
  }
  const details = { status: res.status, cluster: name };
  if (res.status === 404) {
    throw permanent(
      'CONTAINER_API_NOT_FOUND',
      `cluster ${name} not found (check PROJECT, ZONE, CLUSTER)`,
      { details },
    );
  }
  if (res.status === 403) {
    throw permanent(
      'CONTAINER_API_FORBIDDEN',
      `not allowed to read cluster ${name} (grant roles/container.clusterViewer)`,
      {
        details,
      },
    );
  }
  if (!res.ok) {
    throw transient(
      'CONTAINER_API_UNAVAILABLE',
      `Container API answered HTTP ${res.status} for cluster ${name}`,
      { details },
    );
  }
  let body: { endpoint?: unknown; masterAuth?: { clusterCaCertificate?: unknown } };
  try {
    body = (await res.json()) as typeof body;
  } catch (err) {
    throw transient('CONTAINER_API_BAD_RESPONSE', `Container API answer for ${name} is not JSON`, {
      cause: err,
      details,
    });
  }
  const endpoint = body?.endpoint;
  const ca = body?.masterAuth?.clusterCaCertificate;
  // A cluster still provisioning has no endpoint yet; that can resolve itself.
  if (typeof endpoint !== 'string' || !ENDPOINT.test(endpoint)) {
    throw transient('CONTAINER_API_BAD_RESPONSE', `cluster ${name} has no usable endpoint`, {
      details,
    });
  }
  if (typeof ca !== 'string' || ca === '') {
    throw transient('CONTAINER_API_BAD_RESPONSE', `cluster ${name} has no CA certificate`, {
      details,
    });
  }
  const caPem = Buffer.from(ca, 'base64').toString('utf8');
  if (!isPemCertificate(caPem)) {
    // Still transient (non-2xx): once the cluster's CA is fixed, Pub/Sub's
    // redelivery deploys. CRITICAL because only a human can fix it.
    throw transient(
      'CLUSTER_CA_INVALID',
      `cluster ${name}: masterAuth.clusterCaCertificate is not a PEM certificate (configuration error)`,
      { details, severity: 'CRITICAL' },
    );
  }
  return { server: `https://${endpoint}`, caPem };
}
