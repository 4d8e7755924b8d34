import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { cloudEventBinary, pubsubMessage } from '@maskops/localcloud';
import type { Cloud } from './helpers/cloud';
import { cloudBuild, digest, REPO, startCloud } from './helpers/cloud';
import { deploymentFixture } from '@maskops/localcloud';

// The built package served by the functions-framework binary, as Cloud Run runs it.
const PKG = join(__dirname, '..');
const FF = join(
  PKG,
  'node_modules',
  '@google-cloud',
  'functions-framework',
  'build',
  'src',
  'main.js',
);

beforeAll(() => {
  if (!existsSync(join(PKG, 'dist', 'function.js'))) {
    throw new Error(
      'dist/function.js missing: run `pnpm --filter @maskops/deployer-fn build` first',
    );
  }
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
    s.on('error', reject);
  });
}

function serve(env: Record<string, string>, port: number) {
  const child = spawn(
    process.execPath,
    [FF, '--target=onNewImage', '--signature-type=cloudevent', `--source=${PKG}`, `--port=${port}`],
    { env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  return { child, exited, out: () => stdout, err: () => stderr };
}

const GOOD = {
  PROJECT: 'local-project',
  ZONE: 'us-central1-a',
  CLUSTER: 'maskops',
  DEPLOYMENT: 'inference-api',
  IMAGE: REPO,
};

describe('invalid configuration stops the process with one line naming the variable', () => {
  it.each<[string, Record<string, string>]>([
    ['IMAGE', { IMAGE: '' }],
    ['IMAGE', { IMAGE: `${REPO}:latest` }],
    ['ROLLOUT_TIMEOUT_SECONDS', { ROLLOUT_TIMEOUT_SECONDS: 'soon' }],
    ['DEPLOYMENT', { DEPLOYMENT: 'Not_A_Name' }],
  ])('%s', async (variable, over) => {
    const p = serve({ ...GOOD, ...over }, await freePort());
    const code = await p.exited;
    expect(code).not.toBe(0);
    const lines = p.err().trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toMatchObject({
      severity: 'CRITICAL',
      variable,
      code: 'CONFIG_INVALID',
    });
    expect(lines[0]).toContain(`${variable}: `);
  });
});

describe('the built function against localcloud', () => {
  let cloud: Cloud;
  beforeAll(async () => {
    cloud = await startCloud();
  });
  afterAll(() => cloud.close());

  it('serves onNewImage: a binary CloudEvent deploys the digest; logs are JSON lines without the token', async () => {
    cloud.kube.putDeployment(deploymentFixture({ name: 'inference-api', image: `${REPO}:v0` }));
    const port = await freePort();
    const p = serve({ ...GOOD, ...cloud.env, ROLLOUT_TIMEOUT_SECONDS: '0' }, port);
    try {
      const url = `http://127.0.0.1:${port}/`;
      for (let i = 0; i < 200; i++) {
        if (
          await fetch(url).then(
            () => true,
            () => false,
          )
        )
          break;
        await new Promise((r) => setTimeout(r, 50));
      }
      const req = cloudEventBinary(pubsubMessage(cloudBuild()));
      const res = await fetch(url, { method: 'POST', headers: req.headers, body: req.body });
      expect(res.status).toBe(204);
      const d = cloud.kube.getDeployment('default', 'inference-api')!;
      expect(d.spec.template.spec.containers[0].image).toBe(`${REPO}@${digest('1')}`);
      const decision = p
        .out()
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as Record<string, unknown>)
        .find((l) => l.outcome !== undefined);
      expect(decision).toMatchObject({
        severity: 'NOTICE',
        outcome: 'patched',
        buildId: 'build-1',
      });
      expect(p.out() + p.err()).not.toContain(cloud.metadata.token);
    } finally {
      p.child.kill('SIGTERM');
      await p.exited;
    }
  });
});
