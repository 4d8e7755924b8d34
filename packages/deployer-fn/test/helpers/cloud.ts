import type { AddressInfo } from 'node:net';
import type { Server } from 'node:http';
import * as functions from '@google-cloud/functions-framework';
import { getTestServer } from '@google-cloud/functions-framework/testing';
import type {
  ContainerApiServer,
  KubeApiServer,
  MetadataServer,
  PushRequest,
} from '@maskops/localcloud';
import { deploymentFixture, startLocalCloud } from '@maskops/localcloud';
import type { DeploymentView } from '@maskops/localcloud';
import type { LogFields } from '@maskops/shared';
import { createMemoryLogger } from '@maskops/shared';
import type { DeployerConfig } from '../../src/config';
import { readConfig } from '../../src/config';
import type { HandleResult } from '../../src/decision';
import type { OnNewImageOptions } from '../../src/on-new-image';
import { createOnNewImageHttp } from '../../src/http-entry';

export const REPO = 'us-central1-docker.pkg.dev/my-proj/maskops/inference-api';
export const OLD_IMAGE = `${REPO}:v0`;
export const digest = (c: string): string => `sha256:${c.repeat(64).slice(0, 64)}`;

export interface Cloud {
  metadata: MetadataServer;
  kube: KubeApiServer;
  container: ContainerApiServer;
  env: Record<string, string>;
  close(): Promise<void>;
}

/** Metadata server + Kubernetes API + Container API sharing one token, like one GKE project. */
export async function startCloud(
  opts: { project?: string; location?: string; cluster?: string } = {},
): Promise<Cloud> {
  return startLocalCloud({ ...opts, rolloutStepMs: 10 });
}

let counter = 0;

export interface Fn {
  name: string;
  config: DeployerConfig;
  url: string;
  logs: LogFields[];
  results: HandleResult[];
  /** Posts a localcloud push request; returns the HTTP status. */
  post(
    req: PushRequest | { headers: Record<string, string>; body: string; path?: string },
  ): Promise<number>;
  deployment(): DeploymentView;
  image(container?: string): string | undefined;
  patches(): number;
  close(): Promise<void>;
}

/**
 * A Deployment of its own plus the onNewImage function registered under a fresh
 * name and served by the real functions-framework on a loopback port.
 */
export async function startFunction(
  cloud: Cloud,
  opts: {
    env?: Record<string, string>;
    containers?: Array<{
      name: string;
      image: string;
      env?: Array<{ name: string; value: string }>;
    }>;
    annotations?: Record<string, string>;
    replicas?: number;
    fn?: Partial<OnNewImageOptions>;
    /** Skip creating the Deployment. */
    noDeployment?: boolean;
    /** Listen on this port (default: any free one), for settings that name the function's URL. */
    port?: number;
    /** Use this Deployment name instead of a fresh one. */
    name?: string;
  } = {},
): Promise<Fn> {
  counter += 1;
  const name = opts.name ?? `app-${counter}`;
  if (!opts.noDeployment) {
    cloud.kube.putDeployment(
      deploymentFixture({
        name,
        containers: opts.containers ?? [{ name: 'inference-api', image: OLD_IMAGE }],
        replicas: opts.replicas ?? 2,
        ...(opts.annotations ? { annotations: opts.annotations } : {}),
      }),
    );
  }
  process.env.GCE_METADATA_HOST = cloud.metadata.host;
  const config = readConfig({
    ...cloud.env,
    DEPLOYMENT: name,
    IMAGE: REPO,
    ROLLOUT_TIMEOUT_SECONDS: '10',
    ...opts.env,
  });
  const logger = createMemoryLogger();
  const results: HandleResult[] = [];
  const fnName = `onNewImage_${name}`;
  // The same entry the built package registers (src/function.ts).
  functions.http(
    fnName,
    createOnNewImageHttp({
      config,
      logger,
      pollIntervalMs: 10,
      requestTimeoutMs: 2000,
      onResult: (r) => results.push(r),
      ...opts.fn,
    }),
  );
  const server: Server = getTestServer(fnName).listen(opts.port ?? 0, '127.0.0.1');
  await new Promise((r) => server.once('listening', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const ns = config.namespace;
  return {
    name,
    config,
    url,
    logs: logger.lines,
    results,
    async post(req) {
      const res = await fetch(url + ('path' in req && req.path ? req.path : '/'), {
        method: 'POST',
        headers: req.headers,
        body: req.body,
      });
      await res.arrayBuffer();
      return res.status;
    },
    deployment: () => cloud.kube.getDeployment(ns, name)!,
    image(container = 'inference-api') {
      const cs = cloud.kube.getDeployment(ns, name)?.spec.template.spec.containers ?? [];
      return cs.find((c) => c.name === container)?.image;
    },
    patches: () =>
      cloud.kube.requests.filter(
        (r) => r.method === 'PATCH' && r.path.endsWith(`/deployments/${name}`) && r.status < 300,
      ).length,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

export function cloudBuild(over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    id: 'build-1',
    status: 'SUCCESS',
    finishTime: '2026-01-01T00:00:01Z',
    images: [`${REPO}:abc1234`],
    results: { images: [{ name: `${REPO}:abc1234`, digest: digest('1') }] },
    substitutions: {
      COMMIT_SHA: 'abc1234def5678',
      SHORT_SHA: 'abc1234',
      BRANCH_NAME: 'main',
      REPO_NAME: 'maskops',
    },
    ...over,
  };
}
