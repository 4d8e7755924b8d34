/**
 * The paths CI leaves out (each run of setup.sh costs minutes of gcloud start-ups):
 * --pod-monitoring, a second run with changed options, a third that adds
 * --model-bucket, and a fourth after a model rollout. Run them with
 * `pnpm --filter @maskops/e2e run test:setup-sh` (sets SETUP_SH_ALL=1).
 */
import { startSetupHarness } from './harness';
import type { SetupHarness } from './harness';
import {
  calls,
  creates,
  DEPLOYER,
  expectCleanRun,
  expectFirstBuild,
  functionDeployed,
  LOCATION,
  PROJECT,
  projectRoles,
  setupShSuite,
} from './checks';
import { kubeRequest } from './kube-request';

setupShSuite('setup.sh --pod-monitoring, then --canary, then --model-bucket, then again', () => {
  let h: SetupHarness;

  beforeAll(async () => {
    h = await startSetupHarness();
  });
  afterAll(() => h.close());

  it('--pod-monitoring applies a PodMonitoring and no canary resources; the first image is built', async () => {
    // The one path that builds: gcloud uploads the tree and submits cloudbuild.yaml.
    expectCleanRun(h, await h.run(['--project', PROJECT, '--pod-monitoring']));
    expectFirstBuild(h, h.google.requests);
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

  it('a third run with --model-bucket: versioning, notification, a second trigger, read access for the pods only', async () => {
    const before = h.google.requests.length;
    expectCleanRun(
      h,
      await h.run([
        '--project',
        PROJECT,
        '--skip-build',
        '--model-bucket',
        'gs://demo-models/models',
      ]),
    );
    const third = h.google.requests.slice(before);
    const versioning = calls(third, 'storage', 'PATCH', /^\/storage\/v1\/b\/demo-models$/);
    expect(versioning.map((r) => r.body)).toEqual([
      {
        name: 'demo-models',
        versioning: { enabled: true },
        lifecycle: {
          rule: [
            {
              action: { type: 'Delete' },
              condition: { isLive: false, numNewerVersions: 6, daysSinceNoncurrentTime: 30 },
            },
          ],
        },
      },
    ]);
    const topic = `projects/${PROJECT}/topics/maskops-model-events`;
    const notification = calls(third, 'storage', 'POST', /\/b\/demo-models\/notificationConfigs$/);
    expect(notification.map((r) => [r.status, r.body])).toEqual([
      [
        200,
        {
          topic,
          event_types: ['OBJECT_FINALIZE'],
          object_name_prefix: 'models/',
          payload_format: 'JSON_API_V1',
        },
      ],
    ]);
    const trigger = calls(third, 'eventarc', 'POST', /\/triggers$/);
    expect(trigger.map((r) => [r.status, r.query, r.body])).toEqual([
      [
        200,
        expect.stringContaining('triggerId=maskops-models') as unknown,
        expect.objectContaining({
          eventFilters: [
            { attribute: 'type', value: 'google.cloud.pubsub.topic.v1.messagePublished' },
          ],
          destination: { cloudRun: { service: 'maskops-deployer', region: 'us-central1' } },
          transport: { pubsub: { topic } },
          serviceAccount: DEPLOYER,
        }) as unknown,
      ],
    ]);
    // Only the pods' Kubernetes service account reads the bucket, as a Workload Identity principal.
    const bucket = h.google.state.policies.get('projects/_/buckets/demo-models').bindings ?? [];
    const number = h.google.state.projectNumber(PROJECT);
    expect(bucket.map((b) => [b.role, b.members])).toEqual([
      [
        'roles/storage.objectViewer',
        [
          `principal://iam.googleapis.com/projects/${number}/locations/global/workloadIdentityPools/${PROJECT}.svc.id.goog/subject/ns/maskops/sa/inference-api`,
        ],
      ],
    ]);
    expect(functionDeployed(third).serviceConfig?.environmentVariables).toMatchObject({
      MODEL_BUCKET: 'gs://demo-models/models',
      ROLLOUT_STRATEGY: 'canary',
    });
    for (const name of ['inference-api', 'inference-api-canary']) {
      const env = h.kube.getDeployment('maskops', name)?.spec.template.spec.containers[0]?.env;
      expect(env).toContainEqual({ name: 'MODEL_REQUIRE_GENERATION', value: 'true' });
    }
    // A manifest pushed under the prefix now reaches the trigger's topic.
    h.google.storage.write('demo-models', 'models/a/maskops-model.json', Buffer.from('{}'), {});
    h.google.storage.write('demo-models', 'elsewhere/maskops-model.json', Buffer.from('{}'), {});
    expect(h.google.state.messages.of(topic).map((m) => m.message.attributes?.objectId)).toEqual([
      'models/a/maskops-model.json',
    ]);
  }, 900_000);

  it('after a model rollout, a re-run keeps the pinned MODEL_PATH and conflicts with nothing', async () => {
    const pinned = 'gs://demo-models/models/a/maskops-model.json#1796000000000000';
    // As the deployer rolls out a model: a strategic merge patch of MODEL_PATH only.
    const patch = {
      spec: {
        template: {
          spec: {
            containers: [{ name: 'inference-api', env: [{ name: 'MODEL_PATH', value: pinned }] }],
          },
        },
      },
    };
    const patched = await kubeRequest(
      h,
      'PATCH',
      '/apis/apps/v1/namespaces/maskops/deployments/inference-api?fieldManager=maskops-deployer',
      { contentType: 'application/strategic-merge-patch+json', value: patch },
    );
    expect(patched.status).toBe(200);
    expectCleanRun(h, await h.run(['--project', PROJECT, '--skip-build']));
    const env = h.kube.getDeployment('maskops', 'inference-api')?.spec.template.spec.containers[0]
      ?.env;
    expect(env).toContainEqual({ name: 'MODEL_PATH', value: pinned });
    expect(env).toContainEqual({ name: 'MODEL_REQUIRE_GENERATION', value: 'true' });
  }, 900_000);
});
