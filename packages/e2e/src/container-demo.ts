import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse } from 'yaml';
import {
  cloudEventBinary,
  pubsubMessage,
  sleep,
  startGoogleApis,
  startLocalCloud,
  type FunctionProcess,
  type GoogleApisServer,
} from '@maskops/localcloud';
import { Annotation, Track } from '@maskops/shared';
import { hostCloudSdkDir } from './cloud-build/cloud-sdk';
import {
  ContainerPushBuilder,
  hasImage,
  type ContainerPushBuild,
} from './container/container-builds';
import { ContainerPodRuntime } from './container/container-runtime';
import { dockerEngineVersion } from './container/docker';
import { GitPushBuilds } from './container/git-push-builds';
import { startLocalRegistry, type LocalRegistry } from './container/local-registry';
import { demoPodController, DemoInstall, startDemoFunction } from './demo-cluster';
import { summarizeDemo } from './demo-summary';
import { LoadClient, type LoadReport } from './load-client';
import type { PodController } from './pod-controller';
import { rollingPush } from './rolling-push';
import { ServiceProxy } from './service-proxy';
import { waitRollout } from './wait-rollout';

/**
 * `pnpm start --containers`: the pipeline demo with every piece a container. Each push
 * runs the commit's own cloudbuild.yaml in the local Cloud Build (every step a
 * container), which pushes the image by digest to the local registry (Debian's
 * docker-registry, Artifact Registry's stand-in); the Build resource goes to the
 * deployer function; the pods are containers of infra/k8s/deployment.yaml's template,
 * pulled by digest (container/container-runtime.ts), behind the Service proxy.
 */
export interface ContainerDemoOptions {
  repoRoot: string;
  pushes: number;
  replicas: number;
  servicePort: number;
  concurrency: number;
  verbose: boolean;
  log: (line: string) => void;
}

export interface ContainerDemoReport {
  deployed: string[];
  load: LoadReport;
  finalImage: string;
  ok: boolean;
}

/** The images cloudbuild.yaml's steps and the Dockerfile run on (`pnpm images:base`, `images:steps`). */
const NEEDED_IMAGES = [
  'node:24-bookworm',
  'node:24-bookworm-slim',
  'gcr.io/cloud-builders/docker',
  'gcr.io/google.com/cloudsdktool/cloud-sdk:slim',
];

const { PROJECT, ZONE, CLUSTER, NAMESPACE, DEPLOYMENT, CONTAINER } = DemoInstall;

/** infra/k8s/deployment.yaml as the first build left it (image, replicas, build annotations). */
function installedDeployment(
  repoRoot: string,
  o: { replicas: number; image: string; buildId: string; finishTime: string },
): Record<string, unknown> {
  const d = parse(readFileSync(join(repoRoot, 'infra', 'k8s', 'deployment.yaml'), 'utf8')) as {
    metadata: { annotations?: Record<string, string> };
    spec: {
      replicas?: number;
      progressDeadlineSeconds?: number;
      template: { spec: { containers: Array<{ name: string; image: string }> } };
    };
  };
  d.metadata.annotations = {
    ...d.metadata.annotations,
    [Annotation.BUILD_ID]: o.buildId,
    [Annotation.FINISH_TIME]: o.finishTime,
  };
  d.spec.replicas = o.replicas;
  // Below the function's watch (240 s), so a stuck rollout is reported, then rolled back.
  d.spec.progressDeadlineSeconds = 120;
  const c = d.spec.template.spec.containers.find((x) => x.name === CONTAINER);
  if (!c) throw new Error(`infra/k8s/deployment.yaml has no container ${CONTAINER}`);
  c.image = o.image;
  return d;
}

const breakdown = (b: ContainerPushBuild): string =>
  Object.entries(b.seconds)
    .map(([step, s]) => `${step} ${s.toFixed(0)} s`)
    .join(', ');

export async function runContainerDemo(o: ContainerDemoOptions): Promise<ContainerDemoReport> {
  const { log } = o;
  if (!dockerEngineVersion()) {
    throw new Error(
      'no Docker Engine answers: --containers needs one (plain pnpm start needs none)',
    );
  }
  const missing = [];
  for (const image of NEEDED_IMAGES) if (!(await hasImage(image))) missing.push(image);
  if (missing.length > 0) {
    throw new Error(
      `${missing.join(', ')} not on the engine: run pnpm images:base and pnpm images:steps`,
    );
  }
  const sdkDir = hostCloudSdkDir();
  if (sdkDir === undefined) {
    throw new Error("no gcloud on PATH: cloudbuild.yaml's fetch-model step runs this machine's");
  }
  const commit = execFileSync('git', ['rev-parse', 'HEAD'], {
    cwd: o.repoRoot,
    encoding: 'utf8',
  }).trim();
  const started = Date.now();
  let registry: LocalRegistry | undefined;
  let apis: GoogleApisServer | undefined;
  let builder: ContainerPushBuilder | undefined;
  let runtime: ContainerPodRuntime | undefined;
  let controller: PodController | undefined;
  let fn: FunctionProcess | undefined;
  let client: LoadClient | undefined;
  let pushes: GitPushBuilds | undefined;
  const gitDir = mkdtempSync(join(tmpdir(), 'maskops-git-push-'));
  const service = new ServiceProxy();
  const cloud = await startLocalCloud({ project: PROJECT, location: ZONE, cluster: CLUSTER });
  try {
    registry = await startLocalRegistry();
    const repository = `${registry.host}/maskops/inference-api`;
    log(`[registry] docker-registry on ${registry.host} (Artifact Registry's stand-in)`);
    // The Google APIs the build's gcloud may call (Cloud Storage), all on loopback.
    const gcloudApis = await startGoogleApis();
    apis = gcloudApis;
    builder = new ContainerPushBuilder({
      cloudSdk: { dir: sdkDir, env: (configDir) => gcloudApis.gcloudEnv(configDir) },
      repoRoot: o.repoRoot,
      commit,
      projectId: PROJECT,
      repository,
      log,
      verbose: o.verbose,
    });
    runtime = new ContainerPodRuntime({ onEvent: (line) => log(`[kubelet] ${line}`) });

    log(
      `[install] the first build of ${commit.slice(0, 7)}: cloudbuild.yaml, as setup.sh submits it`,
    );
    const first = await builder.build(0);
    log(`[install] ${first.buildId} (${breakdown(first)})`);
    const firstImage = `${repository}@${first.image.digest}`;
    cloud.kube.putDeployment(
      installedDeployment(o.repoRoot, {
        replicas: o.replicas,
        image: firstImage,
        buildId: first.buildId,
        // As if built a minute ago: the first push is newer.
        finishTime: new Date(Date.now() - 60000).toISOString(),
      }),
    );
    cloud.kube.setRolloutMode(NAMESPACE, DEPLOYMENT, 'external');
    await service.listen(o.servicePort);
    const cluster = { cloud, pods: runtime, repository, service, log, verbose: o.verbose };
    controller = demoPodController(cluster, DEPLOYMENT, Track.STABLE);
    controller.start();
    await waitRollout(cloud.kube, NAMESPACE, DEPLOYMENT, firstImage, o.replicas, 300000);
    log(
      `[service] http://127.0.0.1:${service.port} → ${service
        .listEndpoints()
        .map((e) => e.name)
        .join(', ')} (bearer token ${runtime.apiToken})`,
    );
    fn = await startDemoFunction(cluster, false);
    const topic = `projects/${PROJECT}/topics/cloud-builds`;
    const theFunction = fn;
    const current = builder;
    pushes = await GitPushBuilds.create({
      dir: gitDir,
      repoRoot: o.repoRoot,
      commit,
      builder: current,
      // Someone's own push while the demo runs: built, then handed to the function.
      onOtherBuild: (message, line) => {
        log(`[trigger] ${line}: to the function`);
        void theFunction
          .deliver(cloudEventBinary(pubsubMessage(message), { topic }))
          .then((s) => log(`[trigger] function answered ${s} for ${String(message.id)}`));
      },
      log,
    });
    log(`[git] a push to ${pushes.remote} (branch main) starts the local Cloud Build:`);
    log(`[git]   git remote add local ${pushes.remote} && git push --force local HEAD:main`);
    client = new LoadClient(`http://127.0.0.1:${service.port}`, o.concurrency, {
      authorization: `Bearer ${runtime.apiToken}`,
    });
    await client.prepare();
    client.start();
    log(`[client] POSTing shape images to the service, concurrency ${o.concurrency}`);
    await sleep(1000);

    const deployed = [first.buildId];
    const timings: string[] = [];
    let previous: Record<string, unknown> | undefined;
    for (let n = 1; n <= o.pushes; n++) {
      const t0 = Date.now();
      let built: ContainerPushBuild | undefined;
      let builtAt = 0;
      const viaGit = pushes;
      const timed = {
        build: async (i: number) => {
          built = await viaGit.build(i);
          builtAt = Date.now();
          return built;
        },
      };
      const pushed = await rollingPush(
        {
          kube: cloud.kube,
          namespace: NAMESPACE,
          deployment: DEPLOYMENT,
          repository,
          replicas: o.replicas,
          builder: timed,
          fn,
          service,
          topic,
          log,
        },
        n,
        previous,
      );
      const total = (Date.now() - t0) / 1000;
      const line = `push → serving ${total.toFixed(0)} s: build ${((builtAt - t0) / 1000).toFixed(0)} s (${breakdown(built!)}), message and rollout ${((Date.now() - builtAt) / 1000).toFixed(0)} s`;
      log(`[push ${n}] ${line}`);
      timings.push(`push ${n} ${line}`);
      deployed.push(pushed.buildId);
      previous = pushed.message;
    }
    await sleep(1000);
    const load = await client.stop();
    client = undefined;
    const finalImage = cloud.kube.getDeployment(NAMESPACE, DEPLOYMENT)!.spec.template.spec
      .containers[0].image;
    const { ok, line, failure } = summarizeDemo({
      load,
      deployed,
      finalBuild: builder.builds.get(finalImage.slice(finalImage.indexOf('@') + 1)),
    });
    log(line);
    for (const t of timings) log(`[summary] ${t}`);
    log(`[summary] whole demo ${((Date.now() - started) / 1000).toFixed(0)} s`);
    for (const f of load.failures.slice(0, 5)) log(`[summary] failure: ${f}`);
    if (failure) log(failure);
    return { deployed, load, finalImage, ok };
  } finally {
    if (client) await client.stop();
    await pushes?.close();
    await fn?.stop();
    await controller?.stop();
    await runtime?.close();
    await service.close();
    await cloud.close();
    await apis?.close();
    await registry?.stop();
    await builder?.cleanup();
    rmSync(gitDir, { recursive: true, force: true });
  }
}
