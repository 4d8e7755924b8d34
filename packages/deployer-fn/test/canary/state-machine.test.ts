import { cloudEventBinary, pubsubMessage } from '@maskops/localcloud';
import { CloudEventMode, cloudEventRequest, sleep } from '@maskops/shared';
import { CanaryAnnotation } from '@maskops/shared';
import { STEP_EVENT_SOURCE, STEP_EVENT_TYPE } from '../../src/canary/step-event';
import { Annotation } from '@maskops/shared';
import { cloudBuild, digest, OLD_IMAGE, REPO } from '../helpers/cloud';
import type { CanaryFn } from '../helpers/canary';
import { startCanaryCloud, startCanaryFunction } from '../helpers/canary';
import { lastLog, useCloud } from '../helpers/suite';

const suite = useCloud(startCanaryCloud);
const fn = async (env: Record<string, string> = {}): Promise<CanaryFn> =>
  suite.track(await startCanaryFunction(suite.cloud, env));
const build = (n: number) =>
  cloudBuild({
    id: `build-${n}`,
    finishTime: `2026-01-01T00:00:0${n}Z`,
    results: { images: [{ name: `${REPO}:${n}`, digest: digest(String(n)) }] },
  });
const deliver = (f: CanaryFn, n: number) => f.post(cloudEventBinary(pubsubMessage(build(n))));
const canaryImage = (f: CanaryFn): string => f.canary().spec.template.spec.containers[0].image;
const canaryNote = (f: CanaryFn, key: string): string | undefined =>
  f.canary().metadata.annotations?.[key];
// The deployer's own annotations (the rollout controller writes its revision asynchronously).
const recorded = (f: CanaryFn): string =>
  JSON.stringify(
    Object.entries(f.canary().metadata.annotations ?? {}).filter(([k]) =>
      k.startsWith('maskops.dev/'),
    ),
  );
const taskIds = (f: CanaryFn): string[] =>
  f
    .pending()
    .map((t) => String(t.name).split('/').pop()!)
    .sort();

it('a delivery starts the canary: image by digest, replicas from the weight, state, step 1 scheduled; stable untouched', async () => {
  const f = await fn({ CANARY_WEIGHT_PERCENT: '25' });
  expect(await deliver(f, 1)).toBe(204);
  expect(lastLog(f)).toMatchObject({
    outcome: 'canary-started',
    severity: 'NOTICE',
    replicas: 3,
    enqueued: 'created',
  });
  expect(canaryImage(f)).toBe(`${REPO}@${digest('1')}`);
  expect(f.canary().spec.replicas).toBe(3); // 25 % of 10 ready, rounded
  expect(canaryNote(f, Annotation.BUILD_ID)).toBe('build-1');
  expect(canaryNote(f, Annotation.COMMIT_SHA)).toBe('abc1234def5678');
  expect(canaryNote(f, CanaryAnnotation.PHASE)).toBe('analysing');
  expect(canaryNote(f, CanaryAnnotation.STEP)).toBe('0');
  expect(taskIds(f)).toEqual(['build-1-step-1']);
  const task = f.pending()[0] as { httpRequest: { url: string; oidcToken: object } };
  expect(task.httpRequest.url).toBe(f.config.canary!.functionUrl);
  expect(task.httpRequest.oidcToken).toMatchObject({
    serviceAccountEmail: f.config.canary!.tasksServiceAccount,
  });
  expect(f.image()).toBe(OLD_IMAGE);
  expect(f.deployment().metadata.annotations?.[Annotation.BUILD_ID]).toBeUndefined();
});

it('a redelivery of the running build changes nothing and re-ensures step 1 (409 = scheduled)', async () => {
  const f = await fn();
  await deliver(f, 1);
  const patches = suite.cloud.kube.requests.filter((r) => r.method === 'PATCH').length;
  expect(await deliver(f, 1)).toBe(204);
  expect(lastLog(f)).toMatchObject({ outcome: 'canary-running', enqueued: 'already-exists' });
  expect(suite.cloud.kube.requests.filter((r) => r.method === 'PATCH').length).toBe(patches);
  expect(taskIds(f)).toEqual(['build-1-step-1']);
});

it('duplicate steps are harmless: the recorded step number decides', async () => {
  const f = await fn();
  // The canary is not ready within the hour: step 1 only records itself and schedules step 2.
  suite.cloud.kube.setRolloutMode('default', f.canaryName, 'hang');
  await deliver(f, 1);
  expect(await f.step('build-1', 1)).toBe(204);
  expect(lastLog(f)).toMatchObject({ outcome: 'canary-continue', step: 1, ready: false });
  expect(canaryNote(f, CanaryAnnotation.STEP)).toBe('1');
  const state = recorded(f);
  expect(await f.step('build-1', 1)).toBe(204);
  expect(lastLog(f)).toMatchObject({
    outcome: 'canary-step-skipped',
    reason: 'DUPLICATE',
    enqueued: 'already-exists',
  });
  expect(recorded(f)).toBe(state);
  // A step from further ahead than the next one is not acted on either.
  expect(await f.step('build-1', 5)).toBe(204);
  expect(lastLog(f)).toMatchObject({ reason: 'DUPLICATE', recordedStep: 1 });
  expect(taskIds(f)).toEqual(['build-1-step-1', 'build-1-step-2']);
});

it('a newer build supersedes the canary; the old build’s steps exit at once', async () => {
  const f = await fn();
  await deliver(f, 1);
  expect(await deliver(f, 2)).toBe(204);
  expect(lastLog(f)).toMatchObject({ outcome: 'canary-started', supersededBuildId: 'build-1' });
  expect(canaryImage(f)).toBe(`${REPO}@${digest('2')}`);
  const state = recorded(f);
  expect(await f.step('build-1', 1)).toBe(204);
  expect(lastLog(f)).toMatchObject({ outcome: 'canary-step-skipped', reason: 'SUPERSEDED' });
  expect(recorded(f)).toBe(state);
  // An older build delivered late does not take the canary back.
  expect(await deliver(f, 1)).toBe(204);
  expect(lastLog(f)).toMatchObject({ outcome: 'stale' });
  expect(canaryImage(f)).toBe(`${REPO}@${digest('2')}`);
});

it('a canary not ready by its deadline is aborted; the aborted build redelivered is acked without analysis', async () => {
  const f = await fn({ CANARY_READY_DEADLINE_SECONDS: '1' });
  suite.cloud.kube.setRolloutMode('default', f.canaryName, 'hang');
  await deliver(f, 1);
  await sleep(1100);
  expect(await f.step('build-1', 1)).toBe(204);
  expect(lastLog(f)).toMatchObject({
    outcome: 'canary-aborted',
    severity: 'ERROR',
    abortReason: 'NOT_READY',
  });
  expect(f.canary().spec.replicas).toBe(0);
  const record = JSON.parse(f.deployment().metadata.annotations![CanaryAnnotation.ABORTED]);
  expect(record).toMatchObject({ build: 'build-1', reason: 'NOT_READY' });
  // The ordering key did not move and the stable image is unchanged.
  expect(f.deployment().metadata.annotations?.[Annotation.FINISH_TIME]).toBeUndefined();
  expect(f.image()).toBe(OLD_IMAGE);
  const patches = suite.cloud.kube.requests.filter((r) => r.method === 'PATCH').length;
  expect(await deliver(f, 1)).toBe(204);
  expect(lastLog(f)).toMatchObject({ outcome: 'already-aborted' });
  expect(await f.step('build-1', 2)).toBe(204);
  expect(lastLog(f)).toMatchObject({ outcome: 'canary-step-skipped', reason: 'FINISHED' });
  expect(suite.cloud.kube.requests.filter((r) => r.method === 'PATCH').length).toBe(patches);
});

it('a malformed step event is acknowledged and ignored', async () => {
  const f = await fn();
  const data = { buildId: 'b', step: 'one' };
  const status = await f.post(
    cloudEventRequest(
      { type: STEP_EVENT_TYPE, source: STEP_EVENT_SOURCE, data },
      CloudEventMode.STRUCTURED,
    ),
  );
  expect(status).toBe(204);
  expect(lastLog(f)).toMatchObject({ outcome: 'ignored', reason: 'MALFORMED' });
});
