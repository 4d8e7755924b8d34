#!/usr/bin/env node
// The inference-api image, measured (never asserted): size layer by layer, the size of
// what the native TensorFlow backend would add, `docker run` → ready for the demo model
// and the ONNX fixture (run as infra/k8s/deployment.yaml says), and the container's
// peak memory over a few requests. Needs a Docker Engine and the local base images
// (`pnpm images:base`); prints a NOTE and exits 0 without an engine.
//
//   pnpm --filter @maskops/e2e bench       (after pnpm build)
import { execFileSync } from 'node:child_process';
import { chownSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { encodeShapesImage, paintShapes } from '@maskops/demo-model';
import { freePort } from '@maskops/localcloud';
import { docker, dockerEngineVersion, removeAll, uniqueName } from '../dist/container/docker.js';
import { buildInferenceImage, TfjsNode } from '../dist/container/inference-image.js';
import { podRun } from '../dist/container/pod-run.js';
import { packageDir } from '../dist/package-dir.js';
import { repoRoot } from '../dist/repo-root.js';

if (!dockerEngineVersion()) {
  process.stdout.write('NOTE: no Docker Engine answers: image bench skipped\n');
  process.exit(0);
}
const root = repoRoot();
const api = packageDir('@maskops/inference-api');
const mb = (n) => `${(n / 1e6).toFixed(0)} MB`;
const say = (line) => process.stdout.write(`${line}\n`);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

const deployment = parseAllDocuments(readFileSync(join(root, 'infra/k8s/deployment.yaml'), 'utf8'))
  .map((d) => d.toJS())
  .find((d) => d?.kind === 'Deployment');

const image = uniqueName('maskops-bench-inference-api');
const cleanup = { containers: [], images: [image], dirs: [] };

async function layers() {
  const { stdout } = await docker([
    'history',
    '--no-trunc',
    '--format',
    '{{.Size}}\t{{json .CreatedBy}}',
    image,
  ]);
  const total = Number((await docker(['image', 'inspect', '--format', '{{.Size}}', image])).stdout);
  const base = Number(
    (await docker(['image', 'inspect', '--format', '{{.Size}}', 'node:24-bookworm-slim'])).stdout,
  );
  say(
    `image ${mb(total)} = base node:24-bookworm-slim ${mb(base)} + app layers ${mb(total - base)}`,
  );
  for (const line of stdout.trim().split('\n').reverse()) {
    const [size, json] = line.split('\t');
    const createdBy = String(JSON.parse(json));
    if (size === '0B') continue;
    say(
      `  ${size.padStart(8)}  ${createdBy.replace(/^\/bin\/sh -c (#\(nop\) )?/, '').slice(0, 90)}`,
    );
  }
}

/** What pnpm deploys for inference-api, and what prune-unreachable drops from it. */
function nativeBackendShare() {
  const dir = mkdtempSync(join(tmpdir(), 'maskops-bench-deploy-'));
  cleanup.dirs.push(dir);
  const du = () => Number(execFileSync('du', ['-sb', dir], { encoding: 'utf8' }).split('\t')[0]);
  execFileSync(
    'pnpm',
    ['--filter', '@maskops/inference-api', 'deploy', '--prod', '--offline', dir],
    {
      cwd: root,
      stdio: 'ignore',
    },
  );
  const before = du();
  execFileSync('node', [join(api, 'scripts/prune-unreachable.mjs'), dir], { stdio: 'ignore' });
  const after = du();
  say(
    `kept only for tfjs-node (its @tensorflow/tfjs umbrella, tfjs-layers, tfjs-data, ` +
      `tfjs-backend-webgl, core-js, …): ${mb(before - after)}; libtensorflow itself is not ` +
      `downloadable here`,
  );
}

async function runPod(label, env = {}, options = []) {
  const name = uniqueName('maskops-bench-pod');
  const ports = new Map();
  for (const p of deployment.spec.template.spec.containers[0].ports)
    ports.set(p.containerPort, await freePort());
  const run = podRun(deployment, {
    hostPort: (p) => ports.get(p),
    emptyDir: () => {
      const dir = mkdtempSync(join(tmpdir(), 'maskops-bench-emptydir-'));
      chownSync(dir, 10001, 10001);
      cleanup.dirs.push(dir);
      return dir;
    },
  });
  const extra = Object.entries(env).flatMap(([k, v]) => ['--env', `${k}=${v}`]);
  const t0 = performance.now();
  cleanup.containers.push(name);
  await docker(['run', '--detach', '--name', name, ...run.args, ...extra, ...options, image]);
  const url = `http://127.0.0.1:${run.env.PORT}`;
  for (;;) {
    const ok = await fetch(`${url}/readyz`).then(
      (r) => r.status === 200,
      () => false,
    );
    if (ok) break;
    if (performance.now() - t0 > run.startup.budgetMs) throw new Error(`${label}: not ready`);
    await sleep(50);
  }
  const readyMs = performance.now() - t0;
  const body = await encodeShapesImage(
    paintShapes({ width: 1024, height: 768, seed: 4, count: 3 }),
    'png',
  );
  const times = [];
  for (let i = 0; i < 5; i++) {
    const t = performance.now();
    const res = await fetch(`${url}/predict`, {
      method: 'POST',
      headers: { 'content-type': 'image/png' },
      body,
    });
    await res.arrayBuffer();
    times.push(performance.now() - t);
  }
  const pid = (await docker(['inspect', '--format', '{{.State.Pid}}', name])).stdout.trim();
  const hwm = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1] * 1024;
  const id = (await docker(['inspect', '--format', '{{.Id}}', name])).stdout.trim();
  let cgroupPeak = NaN;
  for (const f of [
    `/sys/fs/cgroup/memory/docker/${id}/memory.max_usage_in_bytes`,
    `/sys/fs/cgroup/system.slice/docker-${id}.scope/memory.peak`,
  ]) {
    try {
      cgroupPeak = Number(readFileSync(f, 'utf8'));
      break;
    } catch {
      // the other cgroup layout
    }
  }
  times.sort((a, b) => a - b);
  say(
    `${label}: docker run → /readyz 200 in ${(readyMs / 1000).toFixed(1)} s; /predict 1024×768 ` +
      `median ${times[2].toFixed(0)} ms; peak RSS ${mb(hwm)} (cgroup peak ${mb(cgroupPeak)}, ` +
      `limit ${mb(run.memoryBytes)}, --cpus ${run.cpus})`,
  );
  await removeAll({ containers: [name] });
}

try {
  const t0 = performance.now();
  say('building the image (TFJS_NODE=absent; cached layers are reused)…');
  const modelDir = join(api, 'models', 'shapes-tf-od-api');
  await buildInferenceImage({ repoRoot: root, tag: image, modelDir, tfjsNode: TfjsNode.ABSENT });
  say(`built in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
  await layers();
  nativeBackendShare();
  await runPod('demo model (TF.js, wasm)');
  const fixture = join(api, 'test/fixtures/torchvision-maskrcnn-small');
  await runPod('ONNX fixture (torchvision, mounted)', { MODEL_PATH: '/models/fixture' }, [
    '--mount',
    `type=bind,src=${fixture},dst=/models/fixture,readonly`,
  ]);
} finally {
  await removeAll({ containers: cleanup.containers, images: cleanup.images });
  for (const d of cleanup.dirs) rmSync(d, { recursive: true, force: true });
}
