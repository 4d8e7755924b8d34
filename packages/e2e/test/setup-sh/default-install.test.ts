/**
 * setup.sh end to end, offline, with its default options: every gcloud command runs
 * for real against the REST stand-ins, every request is recorded and checked against
 * the API's shape, the first build's included; a second run with the same options
 * creates nothing and builds nothing.
 */
import { startSetupHarness } from './harness';
import type { SetupHarness, SetupRun } from './harness';
import {
  BUILDER,
  calls,
  creates,
  DEPLOYER,
  expectCleanRun,
  expectFirstBuild,
  functionDeployed,
  PROJECT,
  projectRoles,
  setupShCiSuite,
} from './checks';

const ARGS = ['--project', PROJECT];

setupShCiSuite('setup.sh against the stand-ins (default options)', () => {
  let h: SetupHarness;
  let first: SetupRun;
  let firstCount = 0;

  beforeAll(async () => {
    h = await startSetupHarness();
    first = await h.run(ARGS);
    firstCount = h.google.requests.length;
  }, 900_000);
  afterAll(() => h.close());

  it('runs to the end, every request known to a stand-in', () => {
    expectCleanRun(h, first);
  });

  it('submits the first build: the tree and cloudbuild.yaml, tests off', () => {
    expectFirstBuild(h, h.google.requests);
  });

  it('enables the APIs it uses', () => {
    const enabled = h.google.state.enabledServices.get(PROJECT) ?? new Set();
    for (const api of ['container', 'artifactregistry', 'cloudfunctions', 'run', 'eventarc']) {
      expect(enabled).toContain(`${api}.googleapis.com`);
    }
  });

  it('deploys the function as the API expects it', () => {
    const fn = functionDeployed(h.google.requests);
    expect(fn.buildConfig?.runtime).toMatch(/^nodejs(20|22|24)$/);
    expect(fn.buildConfig?.entryPoint).toBe('onNewImage');
    expect(fn.serviceConfig?.ingressSettings).toBe('ALLOW_INTERNAL_ONLY');
    expect(fn.serviceConfig?.serviceAccountEmail).toBe(DEPLOYER);
    expect(fn.serviceConfig?.environmentVariables).toMatchObject({
      PROJECT,
      CLUSTER: 'maskops',
      DEPLOYMENT: 'inference-api',
    });
    expect(fn.eventTrigger).toMatchObject({
      eventType: 'google.cloud.pubsub.topic.v1.messagePublished',
      pubsubTopic: `projects/${PROJECT}/topics/cloud-builds`,
      retryPolicy: 'RETRY_POLICY_RETRY',
      serviceAccountEmail: DEPLOYER,
    });
    const [trigger] = h.google.state.matching(/\/triggers\/maskops-deployer-/);
    expect(trigger?.eventFilters).toEqual([
      { attribute: 'type', value: 'google.cloud.pubsub.topic.v1.messagePublished' },
    ]);
  });

  it('grants each service account exactly the roles it names', () => {
    expect(projectRoles(h, `serviceAccount:${DEPLOYER}`)).toEqual([
      'roles/container.clusterViewer',
    ]);
    expect(projectRoles(h, `serviceAccount:${BUILDER}`)).toEqual([
      'roles/artifactregistry.writer',
      'roles/cloudbuild.builds.builder',
      'roles/logging.logWriter',
    ]);
    const service = `projects/${PROJECT}/locations/us-central1/services/maskops-deployer`;
    expect(h.google.state.policies.members(service, 'roles/run.invoker')).toEqual([
      `serviceAccount:${DEPLOYER}`,
    ]);
    // Every policy write is a read-modify-write: it carries the etag it read.
    for (const set of calls(h.google.requests, 'cloudresourcemanager', 'POST', /:setIamPolicy$/)) {
      expect((set.body as { policy: { etag?: string } }).policy.etag).toEqual(expect.any(String));
    }
  });

  it('dead-letters the trigger subscription to its topic', () => {
    const [patch] = calls(h.google.requests, 'pubsub', 'PATCH', /\/subscriptions\/eventarc-/);
    expect(patch?.body).toMatchObject({
      subscription: {
        deadLetterPolicy: {
          deadLetterTopic: `projects/${PROJECT}/topics/maskops-deployer-dead-letter`,
          maxDeliveryAttempts: 15,
        },
      },
    });
  });

  it('applies the manifests to the cluster, every write strictly validated', () => {
    expect(h.kube.getDeployment('maskops', 'inference-api')?.spec).toBeDefined();
    const writes = h.kube.requests.filter((r) => r.method === 'POST' || r.method === 'PATCH');
    expect(writes.length).toBeGreaterThan(5);
    expect(writes.filter((r) => r.status >= 400).map((r) => `${r.method} ${r.path}`)).toEqual([]);
    // kubectl as a user runs it: no field of the manifests is unknown to its kind.
    const lax = writes.filter((r) => !r.query?.includes('fieldValidation=Strict'));
    expect(lax.map((r) => `${r.method} ${r.path}${r.query ?? ''}`)).toEqual([]);
  });

  it('a second run with the same options creates nothing and succeeds', async () => {
    const again = await h.run(ARGS);
    expectCleanRun(h, again);
    const second = h.google.requests.slice(firstCount);
    expect(creates(second)).toEqual([]);
    // The Deployment exists: its image is the deployer's, no second build.
    expect(calls(second, 'cloudbuild', 'POST', /\/builds$/)).toEqual([]);
    expect(second.filter((r) => r.status === 409).map((r) => r.path)).toEqual([]);
    expect(projectRoles(h, `serviceAccount:${DEPLOYER}`)).toEqual([
      'roles/container.clusterViewer',
    ]);
  }, 900_000);
});
