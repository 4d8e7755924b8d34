import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import {
  cloudEventBinary,
  FunctionProcess,
  pubsubMessage,
  sleep,
  startLocalCloud,
} from '@maskops/localcloud';
import { deployerFunction } from './deployer-function';
import { buildLocalImage, ImageRegistry, type LocalImage } from './image-store';
import { runLocalCloudBuild } from './local-cloud-build';
import { LoadClient, percentile, type LoadReport } from './load-client';
import { packageDir } from './package-dir';
import { PodController } from './pod-controller';
import { ServiceProxy } from './service-proxy';
import { summarizeFunctionLog } from './function-log';
import { waitRollout } from './wait-rollout';

/**
 * The whole pipeline on one machine: localcloud (metadata, Container API, Kubernetes
 * API), the deployer function under the real functions-framework, a Deployment of
 * real inference-api pods behind a Service port, and a client POSTing shape images
 * throughout. Each simulated push builds an image, publishes the Cloud Build
 * notification to the function and waits for the rollout it triggers.
 */
export interface PipelineDemoOptions {
  /** The git repository pushes build from (its HEAD commit tags the images). */
  repoRoot: string;
  pushes?: number;
  replicas?: number;
  servicePort?: number;
  concurrency?: number;
  log?: (line: string) => void;
  /** Stream pod and function log lines too. */
  verbose?: boolean;
  /**
   * Build each image with the local Cloud Build (export HEAD's commit, offline install,
   * build) instead of snapshotting the already built working tree; slower, and the
   * notification is that build's own Build resource.
   */
  fromCommit?: boolean;
}

export interface PipelineDemoReport {
  deployed: string[];
  load: LoadReport;
  finalImage: string;
  ok: boolean;
}

const PROJECT = 'maskops-local';
const ZONE = 'us-central1-a';
const CLUSTER = 'maskops';
const NAMESPACE = 'maskops';
const DEPLOYMENT = 'inference-api';
const CONTAINER = 'inference-api';
const REPOSITORY = 'localhost:5000/maskops/inference-api';

function gitCommit(repoRoot: string): string {
  try {
    return execFileSync('git', ['rev-parse', 'HEAD'], { cwd: repoRoot, encoding: 'utf8' }).trim();
  } catch {
    return createHash('sha1').update(String(Date.now())).digest('hex');
  }
}

function buildMessage(
  image: LocalImage,
  buildId: string,
  commit: string,
  finishTime: string,
): Record<string, unknown> {
  return {
    id: buildId,
    projectId: PROJECT,
    status: 'SUCCESS',
    createTime: finishTime,
    finishTime,
    images: [`${image.repository}:${image.tag}`],
    results: { images: [{ name: `${image.repository}:${image.tag}`, digest: image.digest }] },
    substitutions: {
      COMMIT_SHA: commit,
      SHORT_SHA: commit.slice(0, 7),
      BRANCH_NAME: 'main',
      REPO_NAME: 'maskops',
    },
  };
}

export async function runPipelineDemo(o: PipelineDemoOptions): Promise<PipelineDemoReport> {
  const log = o.log ?? ((l: string) => process.stdout.write(l + '\n'));
  const replicas = o.replicas ?? 2;
  const inferenceDir = packageDir('@maskops/inference-api');
  const commit = gitCommit(o.repoRoot);
  const registry = new ImageRegistry();
  const deployed: string[] = [];

  const buildDirs: string[] = [];

  const commitBuild = async (
    n: number,
  ): Promise<{ image: LocalImage; buildId: string; message: Record<string, unknown> }> => {
    const result = await runLocalCloudBuild({
      repoRoot: o.repoRoot,
      commit,
      repository: REPOSITORY,
      projectId: PROJECT,
      buildId: `local-build-${n}-${Date.now().toString(36)}`,
      log,
    });
    buildDirs.push(join(result.sourceDir, '..'));
    if (!result.image) {
      throw new Error(`local Cloud Build ${result.buildId} failed: ${result.logTail ?? ''}`);
    }
    registry.add(result.image);
    return { image: result.image, buildId: result.buildId, message: result.build };
  };

  const localBuild = async (
    n: number,
  ): Promise<{ image: LocalImage; buildId: string; message?: Record<string, unknown> }> => {
    if (o.fromCommit) return commitBuild(n);
    const buildId = `local-build-${n}-${Date.now().toString(36)}`;
    const image = buildLocalImage({
      packageDir: inferenceDir,
      repository: REPOSITORY,
      tag: `${commit.slice(0, 7)}-${n}`,
      env: { MASKOPS_BUILD_ID: buildId, MASKOPS_COMMIT_SHA: commit },
    });
    registry.add(image);
    log(
      `[build] ${buildId}: image ${image.repository}@${image.digest.slice(0, 19)}… (commit ${commit.slice(0, 7)})`,
    );
    return { image, buildId };
  };

  log('[localcloud] starting metadata server, Container API and Kubernetes API (HTTPS)');
  const cloud = await startLocalCloud({ project: PROJECT, location: ZONE, cluster: CLUSTER });
  const service = new ServiceProxy();
  let controller: PodController | undefined;
  let fn: FunctionProcess | undefined;
  let client: LoadClient | undefined;
  try {
    const first = await localBuild(0);
    const firstFinish = new Date(Date.now() - 60000).toISOString();
    cloud.kube.putDeployment({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      metadata: {
        name: DEPLOYMENT,
        namespace: NAMESPACE,
        annotations: {
          'maskops.dev/build-id': first.buildId,
          'maskops.dev/build-finish-time': firstFinish,
        },
      },
      spec: {
        replicas,
        progressDeadlineSeconds: 120,
        selector: { matchLabels: { app: DEPLOYMENT } },
        strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } },
        template: {
          metadata: { labels: { app: DEPLOYMENT } },
          spec: { containers: [{ name: CONTAINER, image: `${REPOSITORY}@${first.image.digest}` }] },
        },
      },
    });
    cloud.kube.setRolloutMode(NAMESPACE, DEPLOYMENT, 'external');
    deployed.push(first.buildId);

    await service.listen(o.servicePort ?? 0);
    controller = new PodController({
      kube: cloud.kube,
      namespace: NAMESPACE,
      deployment: DEPLOYMENT,
      container: CONTAINER,
      registry,
      service,
      podEnv: { SHUTDOWN_DELAY_MS: '300', SHUTDOWN_GRACE_MS: '15000', LOG_LEVEL: 'warn' },
      onEvent: (m) => log(`[cluster] ${m}`),
      onPodLog: o.verbose ? (pod, line) => log(`[${pod}] ${line}`) : undefined,
    });
    controller.start();
    await waitRollout(
      cloud.kube,
      NAMESPACE,
      DEPLOYMENT,
      `${REPOSITORY}@${first.image.digest}`,
      replicas,
      180000,
    );
    log(
      `[service] http://127.0.0.1:${service.port} → ${service
        .listEndpoints()
        .map((e) => e.name)
        .join(', ')}`,
    );

    fn = await FunctionProcess.start(
      deployerFunction({
        env: {
          ...cloud.env,
          DEPLOYMENT,
          NAMESPACE,
          CONTAINER,
          IMAGE: REPOSITORY,
          ROLLOUT_TIMEOUT_SECONDS: '240',
        },
        onLog: (line) => {
          const short = summarizeFunctionLog(line, o.verbose ?? false);
          if (short) log(`[function] ${short}`);
        },
      }),
    );
    log(`[function] onNewImage listening on ${fn.url}`);

    client = new LoadClient(`http://127.0.0.1:${service.port}`, o.concurrency ?? 2);
    await client.prepare();
    client.start();
    log(`[client] POSTing shape images to the service, concurrency ${o.concurrency ?? 2}`);
    await sleep(1000);

    let previous: Record<string, unknown> | undefined;
    for (let n = 1; n <= (o.pushes ?? 2); n++) {
      log(`[push ${n}] git push → local Cloud Build`);
      const built = await localBuild(n);
      const { image, buildId } = built;
      const message =
        built.message ?? buildMessage(image, buildId, commit, new Date().toISOString());
      const status = await fn.deliver(
        cloudEventBinary(pubsubMessage(message), {
          topic: `projects/${PROJECT}/topics/cloud-builds`,
        }),
      );
      log(`[push ${n}] function answered ${status}`);
      await waitRollout(
        cloud.kube,
        NAMESPACE,
        DEPLOYMENT,
        `${REPOSITORY}@${image.digest}`,
        replicas,
        240000,
      );
      deployed.push(buildId);
      log(
        `[push ${n}] rollout complete: ${buildId} serves on ${service
          .listEndpoints()
          .map((e) => e.name)
          .join(', ')}`,
      );
      if (previous) {
        // Pub/Sub redelivers out of order: the older build must not come back.
        const late = await fn.deliver(
          cloudEventBinary(pubsubMessage(previous), {
            topic: `projects/${PROJECT}/topics/cloud-builds`,
          }),
        );
        log(
          `[push ${n}] late redelivery of the previous build answered ${late}; deployment still at ${buildId}`,
        );
      }
      previous = message;
    }
    await sleep(1000);
    const load = await client.stop();
    client = undefined;
    const dep = cloud.kube.getDeployment(NAMESPACE, DEPLOYMENT)!;
    const finalImage = dep.spec.template.spec.containers[0].image;
    const expected = registry.resolve(finalImage);
    const ok =
      load.failed === 0 &&
      load.wrong === 0 &&
      expected?.env.MASKOPS_BUILD_ID === deployed[deployed.length - 1];
    log(
      `[summary] builds deployed: ${deployed.join(' → ')}; requests sent ${load.sent}, failed ${load.failed}, wrong ${load.wrong}; ` +
        `latency p50 ${percentile(load.latenciesMs, 50).toFixed(0)} ms, p95 ${percentile(load.latenciesMs, 95).toFixed(0)} ms, p99 ${percentile(load.latenciesMs, 99).toFixed(0)} ms`,
    );
    for (const f of load.failures.slice(0, 5)) log(`[summary] failure: ${f}`);
    return { deployed, load, finalImage, ok };
  } finally {
    if (client) await client.stop();
    await fn?.stop();
    await controller?.stop();
    await service.close();
    await cloud.close();
    registry.removeAll();
    for (const dir of buildDirs) rmSync(dir, { recursive: true, force: true });
  }
}
