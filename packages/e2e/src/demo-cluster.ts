import { freePort, FunctionProcess, type LocalCloud } from '@maskops/localcloud';
import type { Track } from '@maskops/shared';
import { canaryFunctionEnv } from './canary-demo';
import { deployerFunction } from './deployer-function';
import { summarizeFunctionLog } from './function-log';
import { PodController } from './pod-controller';
import type { PodRuntime } from './pod-runtime';
import type { ServiceProxy } from './service-proxy';

/** The names the demo's install uses, as setup.sh would create them on GKE. */
export const DemoInstall = {
  PROJECT: 'maskops-local',
  ZONE: 'us-central1-a',
  CLUSTER: 'maskops',
  NAMESPACE: 'maskops',
  DEPLOYMENT: 'inference-api',
  CONTAINER: 'inference-api',
  REPOSITORY: 'localhost:5000/maskops/inference-api',
} as const;

const { PROJECT, NAMESPACE, DEPLOYMENT, CONTAINER, REPOSITORY } = DemoInstall;

export interface DemoCluster {
  cloud: LocalCloud;
  /** How the pods run: processes (process-runtime.ts) or containers (container/). */
  pods: PodRuntime;
  /** The image repository the function deploys (default: the install's). */
  repository?: string;
  service: ServiceProxy;
  log: (line: string) => void;
  /** Stream pod and function log lines too. */
  verbose: boolean;
  /** More env for every pod (e.g. the storage stand-in) and for the function. */
  podEnv?: Record<string, string>;
  functionEnv?: Record<string, string>;
}

/**
 * The stand-in for the kubelet of one Deployment's pods: real inference-api
 * processes or containers, registered with the Service and, with a canary, scraped by Prometheus.
 */
export function demoPodController(c: DemoCluster, deployment: string, track: Track): PodController {
  return new PodController({
    kube: c.cloud.kube,
    namespace: NAMESPACE,
    deployment,
    container: CONTAINER,
    runtime: c.pods,
    service: c.service,
    podEnv: {
      SHUTDOWN_DELAY_MS: '300',
      SHUTDOWN_GRACE_MS: '15000',
      LOG_LEVEL: 'warn',
      MASKOPS_TRACK: track,
      ...c.podEnv,
    },
    scrapeTargets: c.cloud.prometheus,
    onEvent: (m) => c.log(`[cluster] ${m}`),
    onPodLog: c.verbose ? (pod, line) => c.log(`[${pod}] ${line}`) : undefined,
  });
}

/** The deployer under the real functions-framework, configured for this install. */
export async function startDemoFunction(c: DemoCluster, canary: boolean): Promise<FunctionProcess> {
  const port = await freePort();
  const fn = await FunctionProcess.spawn(
    deployerFunction({
      port,
      env: {
        ...c.cloud.env,
        DEPLOYMENT,
        NAMESPACE,
        CONTAINER,
        IMAGE: c.repository ?? REPOSITORY,
        ROLLOUT_TIMEOUT_SECONDS: '240',
        ...c.functionEnv,
        ...(canary
          ? canaryFunctionEnv({
              project: PROJECT,
              functionUrl: `http://127.0.0.1:${port}/`,
              cloudEnv: c.cloud.env,
            })
          : {}),
      },
      onLog: (line) => {
        const short = summarizeFunctionLog(line, c.verbose);
        if (short) c.log(`[function] ${short}`);
      },
    }),
  );
  try {
    await fn.waitListening();
  } catch (err) {
    await fn.stop();
    throw err;
  }
  c.log(`[function] onNewImage listening on ${fn.url}`);
  return fn;
}
