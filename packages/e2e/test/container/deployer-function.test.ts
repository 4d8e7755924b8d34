/**
 * The deployer as Cloud Run functions runs it on the nodejs24 runtime: staged by
 * infra/gcp/stage-function.mjs, installed with `npm ci` inside the local
 * node:24-bookworm image (engines enforced), served by its own functions-framework
 * there, and handed one Cloud Build notification against the localcloud stand-ins.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  cloudEventBinary,
  deploymentFixture,
  freePort,
  pubsubMessage,
  sleep,
  startLocalCloud,
  type LocalCloud,
} from '@maskops/localcloud';
import { docker, removeAll, uniqueName } from '../../src/container/docker';
import { describeWithEngine, progress } from '../helpers/docker-engine';
import { REPO_ROOT } from '../helpers/repo-root';

jest.setTimeout(900_000);
const log = progress('deployer-function');

const NODE_IMAGE = 'node:24-bookworm';
const REPO = 'us-central1-docker.pkg.dev/local-project/maskops/inference-api';
const DIGEST = `sha256:${'7'.repeat(64)}`;
/** The files stay the test's to delete: the container runs as this process's user. */
const asMe = [
  '--user',
  `${process.getuid?.() ?? 0}:${process.getgid?.() ?? 0}`,
  '--env',
  'HOME=/tmp',
];

describeWithEngine('the deployer function on Node 24', () => {
  let source: string;
  let cloud: LocalCloud;
  const name = uniqueName('maskops-test-deployer');

  beforeAll(async () => {
    source = mkdtempSync(join(tmpdir(), 'maskops-function-source-'));
    log('staging (pnpm list + npm install --package-lock-only)…');
    execFileSync('node', [join(REPO_ROOT, 'infra', 'gcp', 'stage-function.mjs'), source], {
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    cloud = await startLocalCloud({ rolloutStepMs: 10 });
  });
  afterAll(async () => {
    await removeAll({ containers: [name] });
    await cloud?.close();
    rmSync(source, { recursive: true, force: true });
  });

  it('installs with `npm ci` in node:24-bookworm and deploys one build under functions-framework', async () => {
    const version = await docker([
      'run',
      '--rm',
      '--network',
      'host',
      NODE_IMAGE,
      'node',
      '--version',
    ]);
    expect(version.stdout.trim()).toMatch(/^v24\./);
    log('npm ci --engine-strict inside node:24-bookworm…');
    await docker([
      'run',
      '--rm',
      '--network',
      'host',
      ...asMe,
      '--mount',
      `type=bind,src=${source},dst=/workspace`,
      '--workdir',
      '/workspace',
      NODE_IMAGE,
      'npm',
      'ci',
      '--engine-strict',
      '--no-audit',
      '--no-fund',
    ]);

    cloud.kube.putDeployment(deploymentFixture({ name: 'inference-api', image: `${REPO}:v0` }));
    const port = await freePort();
    const env = {
      ...cloud.env,
      DEPLOYMENT: 'inference-api',
      IMAGE: REPO,
      ROLLOUT_TIMEOUT_SECONDS: '0',
    };
    await docker([
      'run',
      '--detach',
      '--name',
      name,
      '--network',
      'host',
      ...asMe,
      '--read-only',
      '--mount',
      `type=bind,src=${source},dst=/workspace,readonly`,
      '--workdir',
      '/workspace',
      ...Object.entries(env).flatMap(([k, v]) => ['--env', `${k}=${v}`]),
      NODE_IMAGE,
      'node_modules/.bin/functions-framework',
      '--target=onNewImage',
      '--signature-type=cloudevent',
      `--port=${port}`,
    ]);
    const url = `http://127.0.0.1:${port}/`;
    let listening = false;
    for (let i = 0; i < 600 && !listening; i++) {
      listening = await fetch(url).then(
        () => true,
        () => false,
      );
      if (!listening) await sleep(100);
    }
    if (!listening) throw new Error((await docker(['logs', name])).stderr);

    const build = {
      id: 'build-1',
      status: 'SUCCESS',
      finishTime: '2026-01-01T00:00:01Z',
      images: [`${REPO}:abc1234`],
      results: { images: [{ name: `${REPO}:abc1234`, digest: DIGEST }] },
      substitutions: { COMMIT_SHA: 'abc1234def5678', SHORT_SHA: 'abc1234' },
    };
    const push = cloudEventBinary(pubsubMessage(build));
    const res = await fetch(url, { method: 'POST', headers: push.headers, body: push.body });
    expect(res.status).toBe(204);
    const d = cloud.kube.getDeployment('default', 'inference-api')!;
    expect(d.spec.template.spec.containers[0].image).toBe(`${REPO}@${DIGEST}`);
    const logs = await docker(['logs', name]);
    expect(`${logs.stdout}${logs.stderr}`).toContain('build-1');
  });
});
