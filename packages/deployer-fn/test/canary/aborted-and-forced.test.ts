/**
 * Two seams between the rolling and the canary paths: an aborted build must stay
 * aborted whatever else was aborted after it, and `maskops-replay --in-process
 * --force` must hold through every step of the canary it starts.
 */
import { cloudEventBinary, pubsubMessage, startLocalCloud } from '@maskops/localcloud';
import type { LogFields } from '@maskops/shared';
import { sleep } from '@maskops/shared';
import { CanaryAnnotation } from '@maskops/shared';
import { Annotation } from '@maskops/shared';
import type { CanaryFn } from '../helpers/canary';
import { startCanaryFunction } from '../helpers/canary';
import { cloudBuild, digest, OLD_IMAGE, REPO } from '../helpers/cloud';
import { cliOutput, runCli } from '../helpers/replay-cli';
import { lastLog, useCloud } from '../helpers/suite';

jest.setTimeout(60_000);

const suite = useCloud(() =>
  startLocalCloud({
    rolloutStepMs: 10,
    cloudTasks: { retry: { maxAttempts: 3, minBackoffMs: 50, maxBackoffMs: 200 } },
    prometheus: { scrapeIntervalMs: 200 },
  }),
);
const build = (n: number) =>
  cloudBuild({
    id: `build-${n}`,
    finishTime: `2026-01-01T00:00:0${n}Z`,
    results: { images: [{ name: `${REPO}:${n}`, digest: digest(String(n)) }] },
  });
const deliver = (f: CanaryFn, n: number) => f.post(cloudEventBinary(pubsubMessage(build(n))));
const canaryImage = (f: CanaryFn): string => f.canary().spec.template.spec.containers[0].image;

/** Aborts build n's canary the quickest way: not ready by a 1 s deadline. */
async function abort(f: CanaryFn, n: number): Promise<void> {
  expect(await deliver(f, n)).toBe(204);
  expect(lastLog(f)).toMatchObject({ outcome: 'canary-started' });
  await sleep(1100);
  expect(await f.step(`build-${n}`, 1)).toBe(204);
  expect(lastLog(f)).toMatchObject({ outcome: 'canary-aborted', abortReason: 'NOT_READY' });
}

it('a build aborted before another abort stays aborted: its redelivery starts no canary', async () => {
  const f = suite.track(
    await startCanaryFunction(suite.cloud, {
      CANARY_READY_DEADLINE_SECONDS: '1',
      CANARY_ON_INCONCLUSIVE: 'promote',
    }),
  );
  suite.cloud.kube.setRolloutMode('default', f.canaryName, 'hang');
  await abort(f, 1);
  await abort(f, 2);
  const patches = suite.cloud.kube.requests.filter((r) => r.method === 'PATCH').length;
  for (const n of [1, 2]) {
    expect(await deliver(f, n)).toBe(204);
    expect(['already-aborted', 'stale']).toContain(lastLog(f)?.outcome);
  }
  expect(lastLog(f)).toMatchObject({ outcome: 'already-aborted' });
  expect(f.logs.filter((l) => l.outcome === 'canary-started')).toHaveLength(2);
  expect(suite.cloud.kube.requests.filter((r) => r.method === 'PATCH').length).toBe(patches);
  expect(canaryImage(f)).toBe(`${REPO}@${digest('2')}`);
  expect(f.image()).toBe(OLD_IMAGE);
  // A newer build still gets its canary.
  expect(await deliver(f, 3)).toBe(204);
  expect(lastLog(f)).toMatchObject({ outcome: 'canary-started' });
});

it('maskops-replay --in-process --force under the canary strategy deploys the older build on stable', async () => {
  const cloud = suite.cloud;
  const f = suite.track(
    await startCanaryFunction(
      cloud,
      { PROMETHEUS_QUERY_URL: cloud.prometheus!.url, CANARY_ANALYSIS_SECONDS: '1' },
      {
        image: `${REPO}@${digest('2')}`,
        annotations: {
          [Annotation.BUILD_ID]: 'build-2',
          [Annotation.FINISH_TIME]: '2026-01-01T00:00:02Z',
        },
      },
    ),
  );
  const canary = f.config.canary!;
  const run = await runCli(
    ['--in-process', '--force'],
    {
      ...cloud.env,
      DEPLOYMENT: f.name,
      IMAGE: REPO,
      ROLLOUT_TIMEOUT_SECONDS: '10',
      ROLLOUT_STRATEGY: 'canary',
      PROMETHEUS_QUERY_URL: canary.prometheusQueryUrl,
      CLOUD_TASKS_ENDPOINT: canary.cloudTasksEndpoint,
      CANARY_TASKS_QUEUE: canary.tasksQueue,
      FUNCTION_URL: canary.functionUrl,
      CANARY_TASKS_SERVICE_ACCOUNT: canary.tasksServiceAccount,
      CANARY_INTERVAL_SECONDS: '3600',
      CANARY_ANALYSIS_SECONDS: '1',
    },
    JSON.stringify(build(1)),
  );
  expect(run.code).toBe(0);
  expect(cliOutput(run).outcome).toBe('canary-started');
  expect(f.canary().metadata.annotations?.[CanaryAnnotation.PHASE]).toBe('analysing');

  // The steps, as Cloud Tasks would post them, until the stable rollout is done.
  let last: LogFields | undefined;
  for (let step = 1; step < 40; step++) {
    expect(await f.step('build-1', step)).toBe(204);
    last = lastLog(f);
    if (last?.outcome !== 'canary-continue' && last?.outcome !== 'canary-promoting') break;
    await sleep(300);
  }
  expect(last).toMatchObject({ outcome: 'deployed' });
  expect(f.image()).toBe(`${REPO}@${digest('1')}`);
  const notes = f.deployment().metadata.annotations ?? {};
  expect(notes[Annotation.BUILD_ID]).toBe('build-1');
  expect(notes[Annotation.FORCED_BY_REPLAY]).toEqual(expect.any(String));
  expect(notes[Annotation.CHANGE_CAUSE]).toContain('forced by maskops-replay');
});
