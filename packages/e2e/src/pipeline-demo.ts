import { sleep, startGoogleApis, startLocalCloud, type FunctionProcess } from '@maskops/localcloud';
import { canaryDeploymentName, Track } from '@maskops/shared';
import { canaryDeployment, canaryPush, CanaryVerdict, expectedVerdict } from './canary-demo';
import { stableDeployment } from './demo-deployment';
import {
  demoPodController,
  DemoInstall,
  startDemoFunction,
  type DemoCluster,
} from './demo-cluster';
import { handOffReplay } from './demo-replay';
import { ImageRegistry } from './image-store';
import { describePushes, summarizeDemo, type PushOutcome } from './demo-summary';
import { LoadClient, type LoadReport } from './load-client';
import { modelDemoEnv, runModelDemo } from './model-demo';
import type { ModelPushResult } from './model-push';
import type { PodController } from './pod-controller';
import { processPodRuntime } from './process-runtime';
import { PushBuilder } from './push-builds';
import { rollingPush } from './rolling-push';
import { ServiceProxy } from './service-proxy';
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
  /**
   * ROLLOUT_STRATEGY=canary (canary-demo.ts): each push is analysed on a canary pod
   * first; every even push builds a model that finds nothing and must be aborted.
   */
  canary?: boolean;
  /**
   * Leave the stand-ins, the function and the pods running after the summary, until
   * SIGINT or SIGTERM, and print the `maskops-replay --dry-run` line that reads them.
   */
  keep?: boolean;
  /**
   * Model rollouts instead of image pushes (model-demo.ts): models published with
   * `maskops-model push` to a versioned bucket of the storage stand-in, whose
   * notifications reach the function; a good one, a corrupt one and, with `canary`,
   * one that finds nothing.
   */
  models?: boolean;
}

export interface PipelineDemoReport {
  deployed: string[];
  load: LoadReport;
  finalImage: string;
  /** With `models`: what each model push ended as. */
  models?: ModelPushResult[];
  /** With `canary`: how many canaries were promoted and aborted. */
  canary?: { promoted: number; aborted: number };
  ok: boolean;
}

const { PROJECT, ZONE, CLUSTER, NAMESPACE, DEPLOYMENT, CONTAINER, REPOSITORY } = DemoInstall;

export async function runPipelineDemo(o: PipelineDemoOptions): Promise<PipelineDemoReport> {
  const log = o.log ?? ((l: string) => process.stdout.write(l + '\n'));
  const replicas = o.replicas ?? 2;
  const registry = new ImageRegistry();
  const builder = new PushBuilder({
    repoRoot: o.repoRoot,
    registry,
    repository: REPOSITORY,
    projectId: PROJECT,
    fromCommit: o.fromCommit,
    log,
  });
  const deployed: string[] = [];
  const verdicts = { promoted: 0, aborted: 0 };
  const outcomes: PushOutcome[] = Array.from({ length: o.pushes ?? 2 }, (_, i) => ({
    push: i + 1,
    expected: expectedVerdict(i + 1),
    actual: 'nothing (not reached)',
  }));
  const topic = `projects/${PROJECT}/topics/cloud-builds`;
  const CANARY = canaryDeploymentName(DEPLOYMENT);

  log('[localcloud] starting metadata server, Container API and Kubernetes API (HTTPS)');
  const cloud = await startLocalCloud({
    project: PROJECT,
    location: ZONE,
    cluster: CLUSTER,
    ...(o.canary
      ? {
          cloudTasks: { retry: { maxAttempts: 5, minBackoffMs: 200, maxBackoffMs: 2000 } },
          prometheus: { scrapeIntervalMs: 1000 },
        }
      : {}),
  });
  if (o.canary)
    log(
      `[localcloud] canary: Cloud Tasks ${cloud.cloudTasks!.url}, Prometheus ${cloud.prometheus!.url}`,
    );
  const apis = o.models ? await startGoogleApis() : undefined;
  const service = new ServiceProxy();
  let controller: PodController | undefined;
  let canaryController: PodController | undefined;
  let fn: FunctionProcess | undefined;
  let client: LoadClient | undefined;
  try {
    const first = await builder.build(0);
    cloud.kube.putDeployment(
      stableDeployment({
        name: DEPLOYMENT,
        namespace: NAMESPACE,
        container: CONTAINER,
        replicas,
        image: `${REPOSITORY}@${first.image.digest}`,
        buildId: first.buildId,
        // As if built a minute ago: the first push is newer.
        finishTime: new Date(Date.now() - 60000).toISOString(),
        // A model that cannot load is never ready: let its rollout fail in seconds.
        ...(o.models ? { progressDeadlineSeconds: 30 } : {}),
      }),
    );
    cloud.kube.setRolloutMode(NAMESPACE, DEPLOYMENT, 'external');
    deployed.push(first.buildId);

    await service.listen(o.servicePort ?? 0);
    const cluster: DemoCluster = {
      cloud,
      pods: processPodRuntime(registry),
      service,
      log,
      verbose: o.verbose ?? false,
      ...(apis ? modelDemoEnv(apis, cloud.env.GCE_METADATA_HOST ?? '') : {}),
    };
    controller = demoPodController(cluster, DEPLOYMENT, Track.STABLE);
    controller.start();
    if (o.canary) {
      cloud.kube.putDeployment(canaryDeployment(cloud.kube.getDeployment(NAMESPACE, DEPLOYMENT)!));
      cloud.kube.setRolloutMode(NAMESPACE, CANARY, 'external');
      canaryController = demoPodController(cluster, CANARY, Track.CANARY);
      canaryController.start();
    }
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

    fn = await startDemoFunction(cluster, o.canary ?? false);

    client = new LoadClient(`http://127.0.0.1:${service.port}`, o.concurrency ?? 2);
    await client.prepare();
    client.start();
    log(`[client] POSTing shape images to the service, concurrency ${o.concurrency ?? 2}`);
    await sleep(1000);

    if (apis) {
      const models = await runModelDemo(
        { apis, cloud, fn, log },
        { canary: o.canary ?? false, client, canaryPodPrefix: `${CANARY}-` },
      );
      client = undefined;
      return {
        deployed,
        load: models.load,
        finalImage: models.finalImage,
        ok: models.ok,
        models: models.results,
      };
    }
    let previous: Record<string, unknown> | undefined;
    for (let n = 1; n <= (o.pushes ?? 2); n++) {
      if (o.canary) {
        outcomes[n - 1].actual = 'no verdict (interrupted)';
        const { built, verdict, detail } = await canaryPush(
          {
            kube: cloud.kube,
            namespace: NAMESPACE,
            deployment: DEPLOYMENT,
            replicas,
            builder,
            fn,
            topic,
            log,
          },
          n,
        );
        if (verdict === CanaryVerdict.PROMOTED) deployed.push(built.buildId);
        verdicts[verdict] += 1;
        outcomes[n - 1].actual = detail;
        continue;
      }
      const pushed = await rollingPush(
        {
          kube: cloud.kube,
          namespace: NAMESPACE,
          deployment: DEPLOYMENT,
          repository: REPOSITORY,
          replicas,
          builder,
          fn,
          service,
          topic,
          log,
        },
        n,
        previous,
      );
      deployed.push(pushed.buildId);
      previous = pushed.message;
    }
    await sleep(1000);
    const load = await client.stop();
    client = undefined;
    const dep = cloud.kube.getDeployment(NAMESPACE, DEPLOYMENT)!;
    const finalImage = dep.spec.template.spec.containers[0].image;
    const { ok, line, failure } = summarizeDemo({
      load,
      deployed,
      finalBuild: registry.resolve(finalImage)?.env.MASKOPS_BUILD_ID,
      ...(o.canary
        ? {
            canary: {
              ...verdicts,
              pushes: o.pushes ?? 2,
              podPrefix: `${CANARY}-`,
              outcomes,
            },
          }
        : {}),
    });
    log(line);
    for (const f of load.failures.slice(0, 5)) log(`[summary] failure: ${f}`);
    if (previous !== undefined) {
      await handOffReplay({
        repoRoot: o.repoRoot,
        message: previous,
        // The function's settings for `maskops-replay` against this run's stand-ins.
        env: { ...cloud.env, DEPLOYMENT, NAMESPACE, CONTAINER, IMAGE: REPOSITORY },
        keep: o.keep ?? false,
        log,
      });
    }
    // Last, so that a demo that exits non-zero ends with what each push was expected to do.
    if (failure) log(failure);
    return { deployed, load, finalImage, ok, ...(o.canary ? { canary: verdicts } : {}) };
  } catch (err) {
    if (!o.canary) throw err;
    // The caller prints this message last: it names what each push was expected to do.
    const message = err instanceof Error ? err.message : String(err);
    throw new Error(`${message}; ${describePushes(outcomes)}`, { cause: err });
  } finally {
    if (client) await client.stop();
    await fn?.stop();
    await Promise.all([controller?.stop(), canaryController?.stop()]);
    await service.close();
    await Promise.all([cloud.close(), apis?.close()]);
    registry.removeAll();
    builder.cleanup();
  }
}
