import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sleep, startKubeApi, type KubeApiServer } from '@maskops/localcloud';
import { buildLocalImage, ImageRegistry } from '../src/image-store';
import { PodController } from '../src/pod-controller';
import { processPodRuntime } from '../src/process-runtime';
import { ServiceProxy } from '../src/service-proxy';

// A pod that answers /readyz (503 while NOT_READY is set) and, on any other path,
// the MODEL_PATH it was started with.
const POD_MAIN = `
const http = require('node:http');
http.createServer((req, res) => {
  if (req.url === '/readyz') { res.statusCode = process.env.NOT_READY ? 503 : 200; return res.end(); }
  res.end(JSON.stringify({ modelPath: process.env.MODEL_PATH ?? null }));
}).listen(Number(process.env.PORT), process.env.HOST);
process.on('SIGTERM', () => process.exit(0));
`;

const NS = 'maskops';
const NAME = 'inference-api';
const REPO = 'localhost:5000/maskops/inference-api';

function deployment(image: string, env: Array<{ name: string; value: string }>) {
  const labels = { app: NAME };
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: NAME, namespace: NS },
    spec: {
      replicas: 2,
      selector: { matchLabels: labels },
      template: {
        metadata: { labels },
        spec: { containers: [{ name: NAME, image, env }] },
      },
    },
  };
}

async function until(check: () => boolean | Promise<boolean>, what: string): Promise<void> {
  for (let i = 0; i < 600; i++) {
    if (await check()) return;
    await sleep(100);
  }
  throw new Error(`timed out waiting for ${what}`);
}

describe('PodController: the pod template is the image and the env', () => {
  let dir: string;
  let kube: KubeApiServer;
  let service: ServiceProxy;
  let controller: PodController;
  let image: string;

  const modelPaths = async (): Promise<Array<string | null>> =>
    Promise.all(
      service.listEndpoints().map(async (e) => {
        const res = await fetch(`http://127.0.0.1:${e.port}/`);
        return ((await res.json()) as { modelPath: string | null }).modelPath;
      }),
    );
  const status = () => kube.getDeployment(NS, NAME)!.status;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'pod-controller-'));
    mkdirSync(join(dir, 'dist'));
    writeFileSync(join(dir, 'dist', 'main.js'), POD_MAIN);
    writeFileSync(join(dir, 'package.json'), '{}\n');
    const built = buildLocalImage({ packageDir: dir, repository: REPO, tag: 't1', env: {} });
    const registry = new ImageRegistry();
    registry.add(built);
    image = `${REPO}@${built.digest}`;
    kube = await startKubeApi();
    service = new ServiceProxy();
    kube.putDeployment(deployment(image, [{ name: 'MODEL_PATH', value: 'gs://m/a#1' }]));
    kube.setRolloutMode(NS, NAME, 'external');
    controller = new PodController({
      kube,
      namespace: NS,
      deployment: NAME,
      container: NAME,
      runtime: processPodRuntime(registry),
      service,
      podEnv: { MODEL_PATH: 'from-pod-env', NOT_READY: '' },
      readyTimeoutMs: 3000,
      terminationGraceMs: 2000,
      pollMs: 50,
    });
    controller.start();
    await until(() => service.listEndpoints().length === 2, 'two ready pods');
  });

  afterEach(async () => {
    await controller.stop();
    await kube.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("starts pods with the container's env over its own", async () => {
    expect(await modelPaths()).toEqual(['gs://m/a#1', 'gs://m/a#1']);
  });

  it('rolls every pod when only the env changes', async () => {
    kube.putDeployment(deployment(image, [{ name: 'MODEL_PATH', value: 'gs://m/a#2' }]));
    await until(async () => {
      const paths = await modelPaths();
      return paths.length === 2 && paths.every((p) => p === 'gs://m/a#2');
    }, 'the new env on both pods');
    await until(() => status().updatedReplicas === 2, 'updatedReplicas 2');
    expect(controller.podsSnapshot()).toHaveLength(2);
  });

  it('keeps the old pods serving when the new env never gets ready', async () => {
    kube.putDeployment(
      deployment(image, [
        { name: 'MODEL_PATH', value: 'gs://m/a#3' },
        { name: 'NOT_READY', value: '1' },
      ]),
    );
    await until(
      () =>
        status().conditions?.some(
          (c) => c.type === 'Progressing' && c.reason === 'ProgressDeadlineExceeded',
        ) ?? false,
      'ProgressDeadlineExceeded',
    );
    expect(await modelPaths()).toEqual(['gs://m/a#1', 'gs://m/a#1']);
  });
});
