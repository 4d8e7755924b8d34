import { randomUUID } from 'node:crypto';
import { isObj } from '@maskops/shared';
import type { CloudState } from './cloud-state';
import { invalidArgument } from './api-error';
import { objectBody, ok, path } from './route';
import type { Route } from './route';
import { timestamp } from './timestamps';

/** Where created clusters answer: the Kubernetes stand-in. */
export interface ClusterEndpoint {
  /** `127.0.0.1:PORT` (GKE's endpoint field has no scheme). */
  endpoint: string;
  caPem: string;
}

const VERSION = '1.32.4-gke.1000';

/**
 * GKE Container API v1: clusters (get; create finishing at once, as a DONE operation)
 * and operations. Every cluster created answers on `kube`.
 */
export function containerRoutes(state: CloudState, kube: ClusterEndpoint | undefined): Route[] {
  const name = (p?: string, l?: string, c?: string): string =>
    `projects/${p}/locations/${l}/clusters/${c}`;
  const operation = (
    p: string,
    l: string,
    type: string,
    target: string,
  ): Record<string, unknown> => {
    const id = `operation-${randomUUID()}`;
    const op = {
      name: id,
      zone: l,
      location: l,
      operationType: type,
      status: 'DONE',
      selfLink: `https://container.googleapis.com/v1/projects/${state.projectNumber(p)}/locations/${l}/operations/${id}`,
      targetLink: `https://container.googleapis.com/v1/${target}`,
      startTime: timestamp(),
      endTime: timestamp(),
    };
    state.put(`container/projects/${p}/locations/${l}/operations/${id}`, op);
    return op;
  };
  return [
    {
      method: 'GET',
      path: path('/v1/projects/{}/(?:locations|zones)/{}/clusters/{}'),
      handle: (_c, [p, l, c]) => ok(state.require(name(p, l, c))),
    },
    {
      // gcloud lists every location's clusters after a 404, to suggest another location.
      method: 'GET',
      path: path('/v1/projects/{}/(?:locations|zones)/{}/clusters'),
      handle: (_c, [p, l]) => {
        const found = state.matching(
          new RegExp(`^projects/${p}/locations/${l === '-' ? '[^/]+' : l}/clusters/[^/]+$`),
        );
        return ok(found.length > 0 ? { clusters: found } : {});
      },
    },
    {
      method: 'POST',
      path: path('/v1/projects/{}/(?:locations|zones)/{}/clusters'),
      handle: (call, [p = '', l = '']) => {
        const cluster = objectBody(call).cluster as Record<string, unknown> | undefined;
        const id = cluster?.name;
        if (typeof id !== 'string' || !/^[a-z]([a-z0-9-]{0,38}[a-z0-9])?$/.test(id)) {
          throw invalidArgument(`Invalid cluster name: ${String(id)}`);
        }
        if (!kube)
          throw invalidArgument('localcloud: no Kubernetes stand-in to create a cluster on');
        const full = name(p, l, id);
        state.create(full, {
          ...cluster,
          location: l,
          zone: l,
          endpoint: kube.endpoint,
          status: 'RUNNING',
          currentMasterVersion: VERSION,
          currentNodeVersion: VERSION,
          initialClusterVersion: VERSION,
          createTime: timestamp(),
          selfLink: `https://container.googleapis.com/v1/${full}`,
          masterAuth: { clusterCaCertificate: Buffer.from(kube.caPem).toString('base64') },
          privateClusterConfig: { publicEndpoint: kube.endpoint },
        });
        return ok(operation(p, l, 'CREATE_CLUSTER', full));
      },
    },
    {
      // clusters.update: the one change setup.sh makes (--gateway-api=standard).
      method: 'PUT',
      path: path('/v1/projects/{}/(?:locations|zones)/{}/clusters/{}'),
      handle: (call, [p = '', l = '', c = '']) => {
        const full = name(p, l, c);
        const cluster = state.require(full);
        const update = objectBody(call).update;
        const gateway = isObj(update) ? update.desiredGatewayApiConfig : undefined;
        if (!isObj(update) || Object.keys(update).length !== 1 || !isObj(gateway)) {
          throw invalidArgument('localcloud updates only desiredGatewayApiConfig of a cluster');
        }
        const network = isObj(cluster.networkConfig) ? cluster.networkConfig : {};
        state.put(full, { ...cluster, networkConfig: { ...network, gatewayApiConfig: gateway } });
        return ok(operation(p, l, 'UPDATE_CLUSTER', full));
      },
    },
    {
      method: 'GET',
      path: path('/v1/projects/{}/(?:locations|zones)/{}/operations/{}'),
      handle: (_c, [p, l, o]) =>
        ok(state.require(`container/projects/${p}/locations/${l}/operations/${o}`)),
    },
  ];
}
