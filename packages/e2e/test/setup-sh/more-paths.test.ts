/**
 * The paths CI leaves out (each run of setup.sh costs minutes of gcloud start-ups):
 * --pod-monitoring, and a second run with changed options. Run them with
 * `pnpm --filter @maskops/e2e run test:setup-sh` (sets SETUP_SH_ALL=1).
 */
import { startSetupHarness } from './harness';
import type { SetupHarness } from './harness';
import {
  calls,
  creates,
  DEPLOYER,
  expectCleanRun,
  functionDeployed,
  LOCATION,
  PROJECT,
  projectRoles,
  setupShSuite,
} from './checks';

setupShSuite('setup.sh --pod-monitoring, then again with --canary', () => {
  let h: SetupHarness;

  beforeAll(async () => {
    h = await startSetupHarness();
  });
  afterAll(() => h.close());

  it('--pod-monitoring applies a PodMonitoring and no canary resources', async () => {
    expectCleanRun(h, await h.run(['--project', PROJECT, '--skip-build', '--pod-monitoring']));
    const monitoring = h.kube.requests.filter(
      (r) =>
        /\/podmonitorings(\/inference-api)?$/.test(r.path) && r.method !== 'GET' && r.status < 300,
    );
    expect(monitoring.length).toBeGreaterThan(0);
    expect(calls(h.google.requests, 'cloudtasks', 'POST', /\/queues$/)).toEqual([]);
    expect(
      functionDeployed(h.google.requests).serviceConfig?.environmentVariables,
    ).not.toHaveProperty('ROLLOUT_STRATEGY');
  }, 900_000);

  it('a second run with --canary adds the canary parts and recreates nothing else', async () => {
    const before = h.google.requests.length;
    expectCleanRun(h, await h.run(['--project', PROJECT, '--skip-build', '--canary']));
    const second = h.google.requests.slice(before);
    expect(creates(second)).toEqual(['POST /v2/projects/demo-proj-1/locations/us-central1/queues']);
    expect(second.filter((r) => r.status === 409)).toEqual([]);
    // cloudtasks.enqueuer is granted on the queue only, never on the project.
    expect(projectRoles(h, `serviceAccount:${DEPLOYER}`)).not.toContain(
      'roles/cloudtasks.enqueuer',
    );
    const queue = `${LOCATION}/queues/maskops-canary`;
    expect(h.google.state.policies.members(queue, 'roles/cloudtasks.enqueuer')).toEqual([
      `serviceAccount:${DEPLOYER}`,
    ]);
    const fn = functionDeployed(second);
    expect(fn.serviceConfig?.environmentVariables).toMatchObject({ ROLLOUT_STRATEGY: 'canary' });
  }, 900_000);
});
