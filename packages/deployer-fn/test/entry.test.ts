import { existsSync } from 'node:fs';
import { join } from 'node:path';
import {
  cloudEventBinary,
  deploymentFixture,
  FunctionProcess,
  pubsubMessage,
  SignatureType,
} from '@maskops/localcloud';
import { BAD_KUBECONFIGS, writeKubeconfigs } from './fixtures/kubeconfigs';
import type { Cloud } from './helpers/cloud';
import { cloudBuild, digest, REPO, startCloud } from './helpers/cloud';

// The built package served by the functions-framework binary, as Cloud Run runs it.
const PKG = join(__dirname, '..');
const SERVE = { sourceDir: PKG, target: 'onNewImage', signatureType: SignatureType.CLOUDEVENT };

beforeAll(() => {
  if (!existsSync(join(PKG, 'dist', 'function.js'))) {
    throw new Error(
      'dist/function.js missing: run `pnpm --filter @maskops/deployer-fn build` first',
    );
  }
});

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
    ['MAX_CLOCK_SKEW_SECONDS', { MAX_CLOCK_SKEW_SECONDS: 'a while' }],
    ...Object.values(writeKubeconfigs(BAD_KUBECONFIGS)).map(
      (file): [string, Record<string, string>] => ['KUBECONFIG', { KUBECONFIG: file }],
    ),
  ])('%s %j', async (variable, over) => {
    const p = await FunctionProcess.spawn({ ...SERVE, env: { ...GOOD, ...over } });
    const code = await p.exited;
    expect(code).toBe(78);
    expect(p.stdout()).toBe('');
    const lines = p.stderr().trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0])).toMatchObject({
      severity: 'CRITICAL',
      variable,
      code: 'CONFIG_INVALID',
    });
    expect(lines[0]).toContain(`${variable}: `);
  });
});

it('several bad variables are all named in that one line, each with what is wrong (exit 78)', async () => {
  const p = await FunctionProcess.spawn({
    ...SERVE,
    env: { ...GOOD, ZONE: '', IMAGE: `${REPO}:latest`, ROLLOUT_TIMEOUT_SECONDS: 'soon' },
  });
  expect(await p.exited).toBe(78);
  expect(p.stdout()).toBe('');
  const lines = p.stderr().trim().split('\n');
  expect(lines).toHaveLength(1);
  const line = JSON.parse(lines[0]) as Record<string, string>;
  expect(line).toMatchObject({
    severity: 'CRITICAL',
    code: 'CONFIG_INVALID',
    variable: 'ZONE, IMAGE, ROLLOUT_TIMEOUT_SECONDS',
  });
  expect(line.message).toContain('ZONE: is required but not set');
  expect(line.message).toContain('IMAGE: must be an image repository without tag or digest');
  expect(line.message).toContain('ROLLOUT_TIMEOUT_SECONDS: must be an integer, got "soon"');
});

describe('the built function against localcloud', () => {
  let cloud: Cloud;
  beforeAll(async () => {
    cloud = await startCloud();
  });
  afterAll(() => cloud.close());

  it('serves onNewImage: a binary CloudEvent deploys the digest; logs are JSON lines without the token', async () => {
    cloud.kube.putDeployment(deploymentFixture({ name: 'inference-api', image: `${REPO}:v0` }));
    const p = await FunctionProcess.start({
      ...SERVE,
      env: { ...GOOD, ...cloud.env, ROLLOUT_TIMEOUT_SECONDS: '0' },
    });
    try {
      const url = p.url;
      const req = cloudEventBinary(pubsubMessage(cloudBuild()));
      const res = await fetch(url, { method: 'POST', headers: req.headers, body: req.body });
      expect(res.status).toBe(204);
      const d = cloud.kube.getDeployment('default', 'inference-api')!;
      expect(d.spec.template.spec.containers[0].image).toBe(`${REPO}@${digest('1')}`);
      const decision = p
        .stdout()
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as Record<string, unknown>)
        .find((l) => l.buildId !== undefined);
      expect(decision).toMatchObject({
        severity: 'NOTICE',
        outcome: 'patched',
        buildId: 'build-1',
      });
      expect(p.stdout() + p.stderr()).not.toContain(cloud.metadata.token);
    } finally {
      await p.stop();
    }
  });

  it('requests without a body get a 4xx with a stable code, and no stack trace anywhere', async () => {
    const p = await FunctionProcess.start({ ...SERVE, env: { ...GOOD, ...cloud.env } });
    try {
      const cases: Array<[RequestInit, number, string]> = [
        [{ method: 'GET' }, 405, 'METHOD_NOT_ALLOWED'],
        [{ method: 'POST' }, 400, 'EMPTY_BODY'],
        [
          { method: 'POST', headers: { 'content-type': 'application/json' }, body: '' },
          400,
          'EMPTY_BODY',
        ],
        [
          { method: 'POST', headers: { 'content-type': 'application/cloudevents+json' }, body: '' },
          400,
          'EMPTY_BODY',
        ],
      ];
      for (const [init, status, code] of cases) {
        const res = await fetch(p.url, init);
        expect([init.method, res.status]).toEqual([init.method, status]);
        expect(await res.json()).toMatchObject({ error: { code } });
      }
      const output = p.stdout() + p.stderr();
      expect(output).not.toMatch(/^\s+at /m);
      expect(output).not.toMatch(/TypeError|Error:/);
      const refused = p
        .stdout()
        .split('\n')
        .filter((l) => l.includes('"outcome":"refused"'))
        .map((l) => JSON.parse(l) as Record<string, unknown>);
      // One line per request (the start-up probe is a GET too).
      expect(refused.length).toBeGreaterThanOrEqual(cases.length);
      expect(refused.at(-1)).toMatchObject({ reason: 'EMPTY_BODY', status: 400 });
    } finally {
      await p.stop();
    }
  });
});
