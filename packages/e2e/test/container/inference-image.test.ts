/**
 * The image users deploy, built from the working tree with packages/inference-api/Dockerfile
 * (TFJS_NODE=absent: libtensorflow cannot be downloaded here) on the local Node 24 base
 * (`pnpm images:base`), and run the way infra/k8s/deployment.yaml runs it: its user,
 * read-only root, dropped capabilities, env, memory limit, CPU request, probes and
 * termination grace, over host networking on loopback.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { encodeShapesImage, paintShapes } from '@maskops/demo-model';
import { sleep } from '@maskops/localcloud';
import { docker, removeAll, uniqueName } from '../../src/container/docker';
import { buildInferenceImage, TfjsNode } from '../../src/container/inference-image';
import { packageDir } from '../../src/package-dir';
import { describeWithEngine, progress } from '../helpers/docker-engine';
import { startHostServer } from '../helpers/host-server';
import { startPodContainer, waitStarted, type PodContainer } from '../helpers/pod-container';
import { REPO_ROOT } from '../helpers/repo-root';

jest.setTimeout(1_800_000);
const log = progress('inference-image');

const api = packageDir('@maskops/inference-api');
const demoModel = join(api, 'models', 'shapes-tf-od-api');
const onnxFixture = join(api, 'test', 'fixtures', 'torchvision-maskrcnn-small');
const FIXTURE_MOUNT = '/models/torchvision-maskrcnn-small';

/** One painted shapes image, PNG. */
async function shapesPng(seed: number, width = 320, height = 240): Promise<Buffer> {
  return encodeShapesImage(paintShapes({ width, height, seed, count: 3 }), 'png');
}

interface Answer {
  status: number;
  body: Record<string, unknown>;
}
/** A server and the headers it asks for (the bearer token of the pod's Secret). */
interface Target {
  url: string;
  headers: Record<string, string>;
}
async function predict({ url, headers }: Target, image: Buffer): Promise<Answer> {
  const res = await fetch(`${url}/predict?min_score=0.3`, {
    method: 'POST',
    headers: { ...headers, 'content-type': 'image/png' },
    body: image,
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}
/** An answer without its timings, the only part that may differ between two servers. */
const comparable = ({ body }: Answer): Record<string, unknown> => {
  const { timings: _timings, ...rest } = body;
  return rest;
};

/** `/metrics` gauge value (0 when absent). */
async function gauge(c: PodContainer, name: string): Promise<number> {
  const text = await (await fetch(`${c.metricsUrl}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line ? Number(line.split(' ')[1]) : 0;
}

describeWithEngine('the inference-api image', () => {
  const image = uniqueName('maskops-test-inference-api');
  const containers: PodContainer[] = [];
  let pod: PodContainer;

  beforeAll(async () => {
    log(`docker build ${image} (TFJS_NODE=absent) from the working tree…`);
    await buildInferenceImage({
      repoRoot: REPO_ROOT,
      tag: image,
      modelDir: demoModel,
      tfjsNode: TfjsNode.ABSENT,
    });
    log('built; starting it as infra/k8s/deployment.yaml says…');
    pod = await startPodContainer(image);
    containers.push(pod);
  });
  afterAll(async () => {
    for (const c of containers) await c.remove();
    await removeAll({ images: [image] });
  });

  it('passes its startup probe within the probe budget, as the manifest runs it', async () => {
    expect(pod.run.args).toEqual(
      expect.arrayContaining(['--read-only', '--cap-drop', 'ALL', '--memory', '--cpus']),
    );
    const ms = await waitStarted(pod);
    log(`ready after ${ms} ms (startup budget ${pod.run.startup.budgetMs} ms)`);
    const info = (await (await fetch(`${pod.url}/v1/info`, { headers: pod.headers })).json()) as {
      model: Record<string, unknown>;
    };
    expect(info.model).toMatchObject({ demo: true, runtime: 'tfjs', backend: 'wasm' });
    const live = pod.run.liveness!;
    expect((await fetch(`http://127.0.0.1:${live.port}${live.path}`)).status).toBe(200);
  });

  it('answers /predict on the baked demo model as a host process does', async () => {
    const host = await startHostServer({ ...pod.hostEnv, MODEL_PATH: demoModel });
    try {
      for (const seed of [1, 2]) {
        const img = await shapesPng(seed);
        const [inImage, onHost] = [
          await predict(pod, img),
          await predict({ url: host.url, headers: pod.headers }, img),
        ];
        expect(inImage.status).toBe(200);
        expect((inImage.body.instances as unknown[]).length).toBeGreaterThan(0);
        expect(comparable(inImage)).toEqual(comparable(onHost));
      }
    } finally {
      await host.stop();
    }
  });

  it('answers /predict on the ONNX fixture mounted as MODEL_PATH as a host process does', async () => {
    const onnx = await startPodContainer(image, {
      env: { MODEL_PATH: FIXTURE_MOUNT },
      options: ['--mount', `type=bind,src=${onnxFixture},dst=${FIXTURE_MOUNT},readonly`],
    });
    containers.push(onnx);
    log(`ONNX fixture ready after ${await waitStarted(onnx)} ms`);
    const host = await startHostServer({ ...onnx.hostEnv, MODEL_PATH: onnxFixture });
    try {
      const img = await shapesPng(5, 400, 300);
      const [inImage, onHost] = [
        await predict(onnx, img),
        await predict({ url: host.url, headers: onnx.headers }, img),
      ];
      expect(inImage.status).toBe(200);
      expect(inImage.body.model).toMatchObject({ adapter: 'torchvision' });
      expect(comparable(inImage)).toEqual(comparable(onHost));
    } finally {
      await host.stop();
      await onnx.remove();
    }
  });

  it("runs as the pod's non-root user and writes nothing outside the mounted /tmp", async () => {
    const status = readFileSync(`/proc/${await pod.pid()}/status`, 'utf8');
    const ids = (key: string): number[] =>
      new RegExp(`^${key}:\\s+(.*)$`, 'm').exec(status)![1].split(/\s+/).map(Number);
    expect(ids('Uid')).toEqual(Array(4).fill(pod.run.user.uid));
    expect(ids('Gid')).toEqual(Array(4).fill(pod.run.user.gid));
    expect(ids('Uid')[0]).not.toBe(0);
    // The root filesystem is read-only: a write anywhere else would have failed a request.
    // Mount points (and the folders holding them) are docker's, made before the start.
    const mountPoint = (path: string): boolean =>
      pod.mountPaths.some((m) => m === path || m.startsWith(`${path}/`));
    const changed = (await docker(['diff', pod.name])).stdout
      .trim()
      .split('\n')
      .filter((l) => l !== '' && !mountPoint(l.slice(2)));
    expect(changed).toEqual([]);
    expect(await predict(pod, await shapesPng(7))).toMatchObject({ status: 200 });
    const tmp = pod.emptyDirs.get('/tmp');
    expect(tmp).toBeDefined();
    log(`written to the mounted /tmp: ${JSON.stringify(readdirSync(tmp!))}`);
  });

  it('holds no sources, tests, dev dependencies, package-manager caches or foreign ONNX Runtime libraries', async () => {
    const { stdout } = await docker([
      'run',
      '--rm',
      '--network',
      'host',
      '--user',
      '0',
      '--entrypoint',
      'find',
      image,
      '/',
      '-xdev',
      '-type',
      'f',
      '-printf',
      '%s\t%p\n',
    ]);
    const files = stdout
      .trim()
      .split('\n')
      .map((l) => {
        const [size, path] = l.split('\t');
        return { size: Number(size), path };
      });
    const app = files.filter((f) => f.path.startsWith('/app/'));
    const paths = app.map((f) => f.path);
    // Sizes by package (a .pnpm entry) or top-level folder, largest first.
    const bySize = new Map<string, number>();
    for (const f of app) {
      const key =
        /^\/app\/node_modules\/\.pnpm\/[^/]+/.exec(f.path)?.[0] ??
        f.path.split('/').slice(0, 3).join('/');
      bySize.set(key, (bySize.get(key) ?? 0) + f.size);
    }
    const mb = (n: number): string => `${(n / 1e6).toFixed(1)} MB`;
    const total = app.reduce((s, f) => s + f.size, 0);
    log(
      `/app ${mb(total)} in ${app.length} files; largest:\n` +
        [...bySize]
          .sort((a, b) => b[1] - a[1])
          .slice(0, 12)
          .map(([k, v]) => `  ${mb(v).padStart(9)}  ${k}`)
          .join('\n'),
    );

    const own = paths.filter((p) => !p.includes('/node_modules/') || p.includes('/@maskops/'));
    expect(own.filter((p) => /\/(src|test|bench)\//.test(p))).toEqual([]);
    expect(own.filter((p) => p.endsWith('.ts') && !p.endsWith('.d.ts'))).toEqual([]);

    const manifest = JSON.parse(readFileSync(join(api, 'package.json'), 'utf8')) as {
      devDependencies: Record<string, string>;
    };
    const devOnly = [
      ...Object.keys(manifest.devDependencies),
      'typescript',
      'jest',
      'eslint',
      '@swc/core',
      'turbo',
      'pnpm',
    ];
    const pnpmEntry = (name: string): string => `/node_modules/.pnpm/${name.replace('/', '+')}@`;
    expect(devOnly.filter((d) => paths.some((p) => p.includes(pnpmEntry(d))))).toEqual([]);

    const caches = files.filter((f) =>
      /^\/(root|home\/[^/]+)\/\.(npm|cache|local\/share\/pnpm)\/|^\/pnpm\/|^\/tmp\/./.test(f.path),
    );
    expect(caches.map((f) => f.path)).toEqual([]);

    const ort = paths.filter((p) => /\/onnxruntime-node\/bin\/napi-v\d+\//.test(p));
    expect(ort.length).toBeGreaterThan(0);
    expect(ort.filter((p) => !/\/napi-v\d+\/linux\/x64\//.test(p))).toEqual([]);
    // The goal for an image without the native TensorFlow backend.
    expect(total).toBeLessThanOrEqual(300e6);
  });

  it('drains on SIGTERM: every request in flight is answered and it exits 0 within the grace period', async () => {
    const seeds = [11, 12, 13, 14];
    const images = await Promise.all(seeds.map((s) => shapesPng(s, 1024, 768)));
    // Answers before the signal may be refusals (admission control); none after it.
    const beforeSignal = new Set<number>();
    let signalled = false;
    const requests = images.map((img, i) =>
      predict(pod, img).then((a) => {
        if (!signalled) beforeSignal.add(i);
        return a;
      }),
    );
    // Signal while the model runs one of them.
    for (let i = 0; i < 400; i++) {
      if ((await gauge(pod, 'maskops_inference_in_flight')) >= 1) break;
      await sleep(10);
    }
    signalled = true;
    await docker(['kill', '--signal', 'SIGTERM', pod.name]);
    const answers = await Promise.all(requests);
    const inFlight = answers.filter((_, i) => !beforeSignal.has(i));
    log(`SIGTERM with ${inFlight.length} of ${images.length} requests in flight`);
    expect(inFlight.length).toBeGreaterThan(0);
    const described = (a: Answer): string => `${a.status} ${JSON.stringify(a.body.error ?? '')}`;
    expect(inFlight.map(described)).toEqual(inFlight.map(() => '200 ""'));
    // The grace period left after the preStop hook, as the kubelet counts it.
    const deadline = Date.now() + pod.run.gracePeriodMs - pod.run.preStopMs;
    let state = '';
    while (Date.now() < deadline) {
      const format = '{{.State.Status}} {{.State.ExitCode}} {{.State.OOMKilled}}';
      state = (await docker(['inspect', '--format', format, pod.name])).stdout.trim();
      if (state.startsWith('exited')) break;
      await sleep(100);
    }
    expect(state).toBe('exited 0 false');
  });

  it('stops the build with a message naming an unknown TFJS_NODE value', async () => {
    await expect(
      buildInferenceImage({
        repoRoot: REPO_ROOT,
        tag: `${image}-bad-arg`,
        modelDir: demoModel,
        tfjsNode: 'sometimes' as TfjsNode,
      }),
    ).rejects.toThrow(/TFJS_NODE=sometimes is not a known value \(required \| absent\)/);
  });

  it('fails the build at the model step when the model folder is missing', async () => {
    await expect(
      buildInferenceImage({
        repoRoot: REPO_ROOT,
        tag: `${image}-no-model`,
        modelDir: join(api, 'no-such-model'),
        tfjsNode: TfjsNode.ABSENT,
      }),
    ).rejects.toThrow(/COPY.*model|model.*(no such file|not found)/i);
  });
});
