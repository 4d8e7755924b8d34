/** maskops-replay --dry-run with ROLLOUT_STRATEGY=canary prints the canary plan. */
import { join } from 'node:path';
import { deploymentFixture, startLocalCloud, type LocalCloud } from '@maskops/localcloud';
import { cliOutput, readBuild, runCli } from '../helpers/replay-cli';

const BUILD_FILE = join(__dirname, 'fixtures', 'build-success.json');
const build = readBuild(BUILD_FILE);
const REPO = 'us-central1-docker.pkg.dev/local-project/maskops/inference-api';
const OLD_IMAGE = `${REPO}@sha256:${'0'.repeat(64)}`;

let cloud: LocalCloud;
beforeAll(async () => {
  cloud = await startLocalCloud({ rolloutStepMs: 5 });
  for (const [name, replicas] of [
    ['inference-api', 20],
    ['inference-api-canary', 0],
  ] as const) {
    cloud.kube.putDeployment(
      deploymentFixture({ name, namespace: 'maskops', image: OLD_IMAGE, replicas }),
    );
  }
});
afterAll(() => cloud.close());

it('--dry-run prints the canary plan and writes nothing', async () => {
  const r = await runCli(['--file', BUILD_FILE, '--dry-run'], {
    ...cloud.env,
    DEPLOYMENT: 'inference-api',
    NAMESPACE: 'maskops',
    IMAGE: REPO,
    ROLLOUT_STRATEGY: 'canary',
    CANARY_WEIGHT_PERCENT: '15',
    PROMETHEUS_QUERY_URL: 'http://127.0.0.1:9',
    CLOUD_TASKS_ENDPOINT: 'http://127.0.0.1:9',
    CANARY_TASKS_QUEUE: 'projects/local-project/locations/us-central1/queues/q',
    FUNCTION_URL: 'http://127.0.0.1:9/fn',
    CANARY_TASKS_SERVICE_ACCOUNT: 'maskops-deployer@local-project.iam.gserviceaccount.com',
  });
  expect(r.code).toBe(0);
  const out = cliOutput(r);
  expect(out.outcome).toBe('dry-run');
  expect(out.canaryPlan).toMatchObject({
    canaryDeployment: 'inference-api-canary',
    image: `${REPO}@${build.results.images[0].digest}`,
    replicas: 3,
    stableReadyReplicas: 20,
    firstStepInSeconds: 30,
    settings: { analysisSeconds: 180, maxBehaviourShift: 0.5, onInconclusive: 'promote' },
  });
  expect(cloud.kube.requests.filter((q) => q.method === 'PATCH')).toHaveLength(0);
});

it('a missing canary setting stops the replay with one line naming it (exit 78)', async () => {
  const r = await runCli(['--file', BUILD_FILE, '--dry-run'], {
    ...cloud.env,
    DEPLOYMENT: 'inference-api',
    IMAGE: REPO,
    ROLLOUT_STRATEGY: 'canary',
  });
  expect(r.code).toBe(78);
  expect(r.stderr.trim().split('\n')).toHaveLength(1);
  expect(r.stderr).toContain('PROMETHEUS_QUERY_URL');
});

it('every bad canary setting is named in the one line, each with what is wrong (exit 78)', async () => {
  const r = await runCli(['--file', BUILD_FILE, '--dry-run'], {
    ...cloud.env,
    DEPLOYMENT: 'inference-api',
    IMAGE: REPO,
    ROLLOUT_STRATEGY: 'canary',
    CANARY_WEIGHT_PERCENT: '0',
    CANARY_TASKS_QUEUE: 'maskops-canary',
  });
  expect(r.code).toBe(78);
  const lines = r.stderr.trim().split('\n');
  expect(lines).toHaveLength(1);
  const line = JSON.parse(lines[0]) as Record<string, string>;
  expect(line.variable.split(', ').sort()).toEqual(
    [
      'CANARY_WEIGHT_PERCENT',
      'PROMETHEUS_QUERY_URL',
      'CANARY_TASKS_QUEUE',
      'FUNCTION_URL',
      'CANARY_TASKS_SERVICE_ACCOUNT',
    ].sort(),
  );
  expect(line.message).toContain('CANARY_WEIGHT_PERCENT: must be >= 1, got 0');
  expect(line.message).toContain('CANARY_TASKS_QUEUE: must be projects/P/locations/L/queues/Q');
  expect(line.message).toContain('FUNCTION_URL: is required but not set');
  expect(r.stdout).toBe('');
});
