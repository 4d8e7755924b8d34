/**
 * The local cluster with pods as containers: the inference-api image built once from the
 * working tree, a second build of it (another BUILD_ID: only the last layers differ), both
 * pushed to the local registry and dropped from the engine, so that each pod pulls its
 * image by digest from the registry. The Deployment is infra/k8s/deployment.yaml's (user,
 * read-only root, dropped capabilities, probes, preStop, grace period, the token Secret),
 * two replicas behind the Service proxy, with a client POSTing through it all along.
 * Minutes of CPU, so not part of `pnpm test`: run it with
 * `pnpm --filter @maskops/e2e run test:containers` (sets MASKOPS_CONTAINER_TESTS=1; needs
 * the engine, `pnpm images:base` and docker-registry). Timings go to stderr.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { sleep, startKubeApi, type KubeApiServer } from '@maskops/localcloud';
import { ContainerPodRuntime, RUN_LABEL } from '../../src/container/container-runtime';
import { docker, removeAll, uniqueName } from '../../src/container/docker';
import {
  buildInferenceImage,
  newBuildStageImages,
  TfjsNode,
} from '../../src/container/inference-image';
import { startLocalRegistry, type LocalRegistry } from '../../src/container/local-registry';
import { pushImages } from '../../src/cloud-build/push-images';
import { LoadClient } from '../../src/load-client';
import { packageDir } from '../../src/package-dir';
import { PodController } from '../../src/pod-controller';
import { PodPhase } from '../../src/pod-runtime';
import { ServiceProxy } from '../../src/service-proxy';
import { progress } from '../helpers/docker-engine';
import { deployment as manifest } from '../helpers/infra-files';
import { REPO_ROOT } from '../helpers/repo-root';

/** A process with a runtime and one pod of DEPLOYMENT; prints the run id once it runs. */
const SIGNAL_CHILD = `
const { ContainerPodRuntime } = require(${JSON.stringify(join(__dirname, '../../dist/container/container-runtime.js'))});
const deployment = JSON.parse(process.env.DEPLOYMENT);
const runtime = new ContainerPodRuntime();
runtime
  .pull(deployment.spec.template.spec.containers[0].image)
  .then((image) =>
    runtime.start({ name: 'signal', image, deployment, container: 'inference-api', env: {} }),
  )
  .then(() => process.stdout.write(runtime.runId + '\\n'), (err) => { console.error(err); process.exit(1); });
setInterval(() => undefined, 1000);
`;

const suite = process.env.MASKOPS_CONTAINER_TESTS === '1' ? describe : describe.skip;

jest.setTimeout(45 * 60_000);
const log = progress('container-pods');

const NS = 'maskops';
const NAME = 'inference-api';
const REPLICAS = 2;
const demoModel = join(packageDir('@maskops/inference-api'), 'models', 'shapes-tf-od-api');

/** The manifest's Deployment with IMAGE, two replicas and extra literal env. */
function deploymentOf(image: string, env: Record<string, string> = {}): Record<string, unknown> {
  const d = structuredClone(manifest) as {
    spec: {
      replicas?: number;
      template: { spec: { containers: Array<{ image: string; env: Array<{ name: string }> }> } };
    };
  };
  d.spec.replicas = REPLICAS;
  const c = d.spec.template.spec.containers[0];
  c.image = image;
  const extra = Object.entries(env).map(([name, value]) => ({ name, value }));
  c.env = [...c.env.filter((e) => env[e.name] === undefined), ...extra];
  return d;
}

async function until(check: () => boolean | Promise<boolean>, what: string, ms: number) {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await check()) return;
    await sleep(200);
  }
  throw new Error(`timed out after ${ms / 1000} s waiting for ${what}`);
}

suite('pods as containers, pulled by digest from the local registry', () => {
  const tags = [uniqueName('maskops-test-pods-a'), uniqueName('maskops-test-pods-b')];
  const stageImages: string[] = [];
  const timings: Record<string, number> = {};
  const events: Array<{ at: number; line: string }> = [];
  let registry: LocalRegistry;
  let kube: KubeApiServer;
  let runtime: ContainerPodRuntime;
  let service: ServiceProxy;
  let controller: PodController;
  let client: LoadClient | undefined;
  let digests: string[] = [];

  const labelled = async (): Promise<string[]> =>
    (
      await docker(['ps', '--all', '--quiet', '--filter', `label=${RUN_LABEL}=${runtime.runId}`])
    ).stdout
      .trim()
      .split('\n')
      .filter(Boolean);
  /** Every pod runs IMAGE and is ready, and no other container of the run is left. */
  const servesOnly = async (image: string): Promise<boolean> => {
    const pods = controller.podsSnapshot();
    return (
      pods.length === REPLICAS &&
      pods.every((p) => p.image === image && p.phase === PodPhase.READY) &&
      (await labelled()).length === REPLICAS
    );
  };
  const info = async (): Promise<{ buildId?: string }> => {
    const res = await fetch(`http://127.0.0.1:${service.port}/v1/info`, {
      headers: { authorization: `Bearer ${runtime.apiToken}` },
    });
    expect(res.status).toBe(200);
    return (await res.json()) as { buildId?: string };
  };
  const ref = (i: number): string => `${registry.host}/maskops/inference-api@${digests[i]}`;

  beforeAll(async () => {
    registry = await startLocalRegistry();
    for (const [i, tag] of tags.entries()) {
      log(`docker build ${tag} (BUILD_ID build-${i})…`);
      const t0 = Date.now();
      const output = await buildInferenceImage({
        repoRoot: REPO_ROOT,
        tag,
        modelDir: demoModel,
        tfjsNode: TfjsNode.ABSENT,
        buildArgs: { BUILD_ID: `build-${i}` },
      });
      stageImages.push(...newBuildStageImages(output));
      timings[`build ${i}`] = Date.now() - t0;
    }
    const names = tags.map((_, i) => `${registry.host}/maskops/inference-api:build-${i}`);
    for (const [i, name] of names.entries()) await docker(['tag', tags[i], name]);
    const t0 = Date.now();
    const pushed = await pushImages(names, log);
    timings.push = Date.now() - t0;
    digests = pushed.map((p) => p.digest);
    // Off the engine: the pods must pull what the registry holds.
    await removeAll({ images: [...tags, ...names] });

    kube = await startKubeApi();
    service = new ServiceProxy();
    await service.listen();
    runtime = new ContainerPodRuntime({ onEvent: (l) => log(l) });
    controller = new PodController({
      kube,
      namespace: NS,
      deployment: NAME,
      container: NAME,
      runtime,
      service,
      podEnv: { LOG_LEVEL: 'warn' },
      pollMs: 100,
      onEvent: (line) => {
        events.push({ at: Date.now(), line });
        log(line);
      },
    });
  });

  afterAll(async () => {
    await client?.stop();
    await controller?.stop();
    await runtime?.close();
    await service?.close();
    await kube?.close();
    await registry?.stop();
    await removeAll({ images: [...tags, ...stageImages] });
    log(`timings (ms): ${JSON.stringify(timings)}`);
  });

  it('starts the Deployment as containers: ready, serving /predict through the Service', async () => {
    kube.putDeployment(deploymentOf(ref(0)));
    kube.setRolloutMode(NS, NAME, 'external');
    const t0 = Date.now();
    controller.start();
    await until(() => servesOnly(ref(0)), 'two ready pods of build 0', 600_000);
    timings['first rollout'] = Date.now() - t0;
    const starts = events.filter((e) => e.line.startsWith('start pod'));
    const readies = events.filter((e) => / ready, added/.test(e.line));
    timings['pod start to ready'] = readies[0].at - starts[0].at;

    expect(await info()).toMatchObject({ buildId: 'build-0' });
    client = new LoadClient(`http://127.0.0.1:${service.port}`, 2, {
      authorization: `Bearer ${runtime.apiToken}`,
    });
    await client.prepare();
    client.start();
    await until(() => client!.report.ok >= 4, 'four answers through the Service', 60_000);
    expect(client.report.failed).toBe(0);
    expect(Object.keys(client.report.byPod).sort()).toEqual(
      controller
        .podsSnapshot()
        .map((p) => p.name)
        .sort(),
    );
  });

  it('rolls out the second build with no failed request, draining the old pods', async () => {
    const before = { ...client!.report };
    const t0 = Date.now();
    kube.putDeployment(deploymentOf(ref(1)));
    await until(() => servesOnly(ref(1)), 'two ready pods of build 1', 600_000);
    timings['rollout to build 1'] = Date.now() - t0;
    expect(await info()).toMatchObject({ buildId: 'build-1' });
    await until(() => client!.report.ok >= before.ok + 4, 'answers from build 1', 60_000);
    expect(client!.report.failures).toEqual([]);
    expect(client!.report.wrong).toBe(0);
    const drained = events.filter((e) => / drained and exited with 0$/.test(e.line));
    expect(drained.length).toBeGreaterThanOrEqual(REPLICAS);
  });

  it('keeps serving when a revision never gets ready, and a rollback changes nothing', async () => {
    const served = controller.podsSnapshot().map((p) => p.name);
    kube.putDeployment(deploymentOf(ref(1), { MODEL_PATH: '/app/no-such-model' }));
    await until(
      () =>
        kube
          .getDeployment(NS, NAME)!
          .status?.conditions?.some((c) => c.reason === 'ProgressDeadlineExceeded') ?? false,
      'ProgressDeadlineExceeded',
      300_000,
    );
    // The failed pod's container is gone; the two old pods still serve.
    await until(() => servesOnly(ref(1)), 'the old pods alone', 60_000);
    // The deployer's rollback: the previous template back.
    kube.putDeployment(deploymentOf(ref(1)));
    await sleep(1000);
    expect(controller.podsSnapshot().map((p) => p.name)).toEqual(served);
    expect(client!.report.failures).toEqual([]);

    const t0 = Date.now();
    kube.putDeployment(deploymentOf(ref(0)));
    await until(() => servesOnly(ref(0)), 'two ready pods of build 0 again', 600_000);
    timings['rollback to build 0'] = Date.now() - t0;
    expect(await info()).toMatchObject({ buildId: 'build-0' });
    const report = await client!.stop();
    client = undefined;
    log(`client: ${report.sent} sent, ${report.ok} ok, ${report.failed} failed`);
    expect(report.failures).toEqual([]);
    expect(report.wrong).toBe(0);
  });

  it('removes its containers when its process gets SIGTERM', async () => {
    const child = spawn(process.execPath, ['-e', SIGNAL_CHILD], {
      env: { ...process.env, DEPLOYMENT: JSON.stringify(deploymentOf(ref(0))) },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    const exited = new Promise<NodeJS.Signals | null>((resolve) =>
      child.once('exit', (_code, signal) => resolve(signal)),
    );
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    await until(() => out.includes('\n'), 'the child to start its pod', 300_000);
    const runId = out.trim();
    const ofChild = async (): Promise<string> =>
      (
        await docker(['ps', '--all', '--quiet', '--filter', `label=${RUN_LABEL}=${runId}`])
      ).stdout.trim();
    expect(await ofChild()).not.toBe('');
    child.kill('SIGTERM');
    expect(await exited).toBe('SIGTERM');
    expect(await ofChild()).toBe('');
  });

  it('leaves no container, pulled image or folder behind', async () => {
    await controller.stop();
    await runtime.close();
    expect(await labelled()).toEqual([]);
    for (const i of [0, 1]) {
      const gone = await docker(['image', 'inspect', ref(i)]).then(
        () => false,
        () => true,
      );
      expect(gone).toBe(true);
    }
  });
});
