import { sleep } from '@maskops/shared';
import { Annotation } from '@maskops/shared';
import { digest, OLD_IMAGE, REPO } from './helpers/cloud';
import { annotations, deliver, functionSuite, lastLog } from './helpers/suite';

const suite = functionSuite({ ROLLOUT_TIMEOUT_SECONDS: '10' });
const { fn } = suite;
const NEW_IMAGE = `${REPO}@${digest('1')}`;

it('a rollout that completes: deployed, and the status shows every replica updated', async () => {
  const f = await fn();
  expect(await deliver(f)).toBe(204);
  expect(lastLog(f)).toMatchObject({ outcome: 'deployed', severity: 'NOTICE' });
  const d = f.deployment();
  expect(d.status).toMatchObject({ updatedReplicas: 2, availableReplicas: 2, replicas: 2 });
  expect(d.status.observedGeneration).toBeGreaterThanOrEqual(d.metadata.generation);
  expect(lastLog(f).durations).toEqual(
    expect.objectContaining({ patchMs: expect.any(Number), rolloutMs: expect.any(Number) }),
  );
});

it('ProgressDeadlineExceeded: rolls back to the previous image, records why, acknowledges', async () => {
  const f = await fn();
  // Only this image fails (image modes are global to the stand-in: use one no other test uses).
  const failing = `${REPO}@${digest('7')}`;
  suite.cloud.kube.setImageRolloutMode(failing, 'fail');
  const build = { results: { images: [{ name: `${REPO}:7`, digest: digest('7') }] } };
  expect(await deliver(f, build)).toBe(204);
  expect(f.image()).toBe(OLD_IMAGE);
  expect(lastLog(f)).toMatchObject({ outcome: 'rolled-back', severity: 'ERROR', rollback: 'done' });
  expect(String(lastLog(f).reason)).toContain('ProgressDeadlineExceeded');
  expect(annotations(f)[Annotation.ROLLBACK_REASON]).toContain('ProgressDeadlineExceeded');
  // The failed build stays recorded, so its redelivery does not deploy it again.
  expect(annotations(f)[Annotation.BUILD_ID]).toBe('build-1');
  const patches = f.patches();
  expect(await deliver(f, build)).toBe(204);
  expect(f.patches()).toBe(patches);
  expect(lastLog(f)).toMatchObject({ outcome: 'already-deployed' });
  // A newer build still deploys, and clears the rollback reason.
  expect(
    await deliver(f, {
      id: 'build-2',
      finishTime: '2026-01-01T00:00:09Z',
      results: { images: [{ name: `${REPO}:2`, digest: digest('2') }] },
    }),
  ).toBe(204);
  expect(f.image()).toBe(`${REPO}@${digest('2')}`);
  expect(annotations(f)[Annotation.ROLLBACK_REASON]).toBeUndefined();
});

it('a rollout that hangs past ROLLOUT_TIMEOUT_SECONDS is rolled back', async () => {
  const f = await fn({ env: { ROLLOUT_TIMEOUT_SECONDS: '1' } });
  suite.cloud.kube.setRolloutMode('default', f.name, 'hang');
  expect(await deliver(f)).toBe(204);
  expect(f.image()).toBe(OLD_IMAGE);
  expect(lastLog(f)).toMatchObject({ outcome: 'rolled-back' });
  expect(String(lastLog(f).reason)).toMatch(/^Timeout: rollout not complete after 1s/);
});

it('ROLLBACK_ON_FAILURE=false leaves the failed image in place, logged as ERROR', async () => {
  const f = await fn({ env: { ROLLBACK_ON_FAILURE: 'false' } });
  suite.cloud.kube.setRolloutMode('default', f.name, 'fail');
  expect(await deliver(f)).toBe(204);
  expect(f.image()).toBe(NEW_IMAGE);
  expect(lastLog(f)).toMatchObject({ outcome: 'rollout-failed', severity: 'ERROR' });
  expect(f.patches()).toBe(1);
});

it('tag deploy rollback also restores the pod template, so the old ReplicaSet comes back', async () => {
  const f = await fn({ env: { ROLLOUT_TIMEOUT_SECONDS: '1' } });
  suite.cloud.kube.setRolloutMode('default', f.name, 'hang');
  expect(await deliver(f, { results: {}, images: [`${REPO}:v9`] })).toBe(204);
  expect(f.image()).toBe(OLD_IMAGE);
  expect(f.deployment().spec.template.metadata?.annotations?.[Annotation.BUILD_ID]).toBeUndefined();
});

it('a rollback never undoes somebody else’s newer deploy', async () => {
  const f = await fn({ env: { ROLLOUT_TIMEOUT_SECONDS: '1' } });
  suite.cloud.kube.setRolloutMode('default', f.name, 'hang');
  const pending = deliver(f);
  for (let i = 0; i < 100 && f.image() !== NEW_IMAGE; i++) await sleep(10);
  const d = suite.cloud.kube.getDeployment('default', f.name)!;
  d.spec.template.spec.containers[0].image = `${REPO}:hotfix`;
  suite.cloud.kube.putDeployment(d);
  expect(await pending).toBe(204);
  expect(f.image()).toBe(`${REPO}:hotfix`);
  expect(lastLog(f)).toMatchObject({ outcome: 'superseded', severity: 'WARNING' });
});

it('ROLLOUT_TIMEOUT_SECONDS=0 returns right after the patch, without reading the rollout', async () => {
  const f = await fn({ env: { ROLLOUT_TIMEOUT_SECONDS: '0' } });
  suite.cloud.kube.setRolloutMode('default', f.name, 'hang');
  expect(await deliver(f)).toBe(204);
  const calls = suite.cloud.kube.requests
    .filter((r) => r.path.endsWith(`/deployments/${f.name}`))
    .map((r) => r.method);
  expect(calls).toEqual(['GET', 'PATCH']);
  expect(lastLog(f)).toMatchObject({ outcome: 'patched' });
  expect(f.image()).toBe(NEW_IMAGE);
});
