/**
 * setup.sh --canary end to end, offline: the Cloud Tasks queue, the deployer's extra
 * roles, actAs on itself, the canary settings of the function and the PodMonitoring.
 */
import { startSetupHarness } from './harness';
import type { SetupHarness, SetupRun } from './harness';
import {
  calls,
  DEPLOYER,
  expectCleanRun,
  expectFirstBuild,
  functionDeployed,
  LOCATION,
  PROJECT,
  projectRoles,
  setupShCiSuite,
} from './checks';

setupShCiSuite('setup.sh --canary against the stand-ins', () => {
  let h: SetupHarness;
  let run: SetupRun;

  beforeAll(async () => {
    h = await startSetupHarness();
    run = await h.run(['--project', PROJECT, '--canary']);
  }, 900_000);
  afterAll(() => h.close());

  it('runs to the end, every request known to a stand-in', () => {
    expectCleanRun(h, run);
  });

  it('submits the first build', () => {
    expectFirstBuild(h, h.google.requests);
  });

  it('creates the queue with the retry policy the canary steps rely on', () => {
    const [create] = calls(h.google.requests, 'cloudtasks', 'POST', /\/queues$/);
    expect(create?.path).toBe(`/v2/${LOCATION}/queues`);
    expect(create?.body).toMatchObject({
      name: `${LOCATION}/queues/maskops-canary`,
      retryConfig: { maxAttempts: 20, minBackoff: '5s', maxBackoff: '60s' },
    });
  });

  it('grants the deployer the canary roles, enqueuer on the queue only, and actAs on itself', () => {
    expect(projectRoles(h, `serviceAccount:${DEPLOYER}`)).toEqual([
      'roles/container.clusterViewer',
      'roles/monitoring.viewer',
    ]);
    const queue = `${LOCATION}/queues/maskops-canary`;
    expect(h.google.state.policies.members(queue, 'roles/cloudtasks.enqueuer')).toEqual([
      `serviceAccount:${DEPLOYER}`,
    ]);
    const sa = `projects/${PROJECT}/serviceAccounts/${DEPLOYER}`;
    expect(h.google.state.policies.members(sa, 'roles/iam.serviceAccountUser')).toEqual([
      `serviceAccount:${DEPLOYER}`,
    ]);
  });

  it('deploys the function with the canary strategy and the queue', () => {
    const env = functionDeployed(h.google.requests).serviceConfig?.environmentVariables;
    expect(env).toMatchObject({
      ROLLOUT_STRATEGY: 'canary',
      CANARY_TASKS_QUEUE: `${LOCATION}/queues/maskops-canary`,
      CANARY_TASKS_SERVICE_ACCOUNT: DEPLOYER,
    });
  });

  it('applies the PodMonitoring', () => {
    const created = h.kube.requests.filter(
      (r) =>
        /\/podmonitorings(\/inference-api)?$/.test(r.path) && r.status < 300 && r.method !== 'GET',
    );
    expect(created.length).toBeGreaterThan(0);
  });
});
