import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  cloudEventBinary,
  type FunctionProcess,
  startGoogleApis,
  startLocalCloud,
  type GoogleApisServer,
  type LocalCloud,
  type PublishedMessage,
} from '@maskops/localcloud';
import { BuildStatus } from '@maskops/shared';
import { runCommitBuild } from '../../src/cloud-build/commit-build';
import { createLocalGitRemote } from '../../src/cloud-build/local-git-remote';
import { startPushTrigger, type PushTrigger } from '../../src/cloud-build/push-trigger';
import type { BuildRun } from '../../src/cloud-build/run-build';
import { uniqueName } from '../../src/container/docker';
import { startDeployerOverCloud } from '../helpers/deployer-over-cloud';
import { describeWithEngine, progress } from '../helpers/docker-engine';
import { git } from '../helpers/git';

jest.setTimeout(120_000);
const log = progress('push-failure');

const PROJECT = 'maskops-local';
const TOKEN = 'push-failure-token';
const TOPIC = `projects/${PROJECT}/topics/cloud-builds`;
const REPO = `us-central1-docker.pkg.dev/${PROJECT}/maskops/inference-api`;
const SERVING = `${REPO}@sha256:${'5'.repeat(64)}`;

interface FailedBuild {
  status: string;
  statusDetail?: string;
  failureInfo?: { type: string; detail: string };
  steps: Array<{ id: string; status: string; timing?: { startTime: string; endTime: string } }>;
  results?: unknown;
  timing?: { BUILD?: { startTime: string; endTime: string }; PUSH?: unknown };
  finishTime?: string;
  substitutions: Record<string, string>;
}

/**
 * `git push` → trigger → the pushed commit's cloudbuild.yaml, whose check step fails
 * at once → a FAILURE Build resource on the local Pub/Sub's cloud-builds topic → the
 * deployer function, which acknowledges it and deploys nothing.
 */
describeWithEngine('a push whose step fails ends FAILURE and is never deployed', () => {
  let dir: string;
  let apis: GoogleApisServer;
  let cloud: LocalCloud;
  let fn: FunctionProcess;
  let trigger: PushTrigger;
  const builds: Array<Promise<BuildRun>> = [];
  const buildIds: string[] = [];
  const lines: string[] = [];
  const delivered: Array<Promise<number>> = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'maskops-push-failure-'));
    apis = await startGoogleApis({ token: TOKEN });
    const topic = await fetch(`${apis.url}/pubsub/v1/${TOPIC}`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: '{}',
    });
    expect(topic.status).toBe(200);
    cloud = await startLocalCloud({ project: PROJECT });
    fn = await startDeployerOverCloud(cloud, SERVING, REPO);
    // The cloud-builds subscription: each published message is pushed to the function.
    apis.state.messages.onPublish((p: PublishedMessage) => {
      if (p.topic === TOPIC)
        delivered.push(fn.deliver(cloudEventBinary(p.message, { topic: TOPIC })));
    });
    const remote = join(dir, 'maskops.git');
    trigger = await startPushTrigger({
      branchPattern: /^main$/,
      onPush: (p) => {
        const buildId = uniqueName('b');
        buildIds.push(buildId);
        builds.push(
          runCommitBuild({
            repoRoot: remote,
            commit: p.sha,
            branch: p.branch,
            buildId,
            projectId: PROJECT,
            notify: { pubsubUrl: `${apis.url}/pubsub/`, projectId: PROJECT, token: TOKEN },
            log: (l) => {
              lines.push(l);
              log(l);
            },
          }),
        );
        return `build ${buildId} queued`;
      },
      log,
    });
    createLocalGitRemote(remote, trigger);
  });
  afterAll(async () => {
    await trigger?.close();
    await fn?.stop();
    await cloud?.close();
    await apis?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('FAILURE at the check, with failureInfo and timing, no results; the deployment stays', async () => {
    const source = join(dir, 'source');
    await git(dir, ['init', '--quiet', '--initial-branch=main', source]);
    copyFileSync(
      join(__dirname, '../fixtures/cloud-build/push-failure.yaml'),
      join(source, 'cloudbuild.yaml'),
    );
    const marker = uniqueName('marker');
    writeFileSync(join(source, 'marker.txt'), `${marker}\n`);
    await git(source, ['add', '.']);
    await git(source, ['commit', '--quiet', '-m', 'a commit whose check fails']);
    const sha = await git(source, ['rev-parse', 'HEAD']);
    await git(source, ['push', join(dir, 'maskops.git'), 'main']);
    expect(builds).toHaveLength(1);
    const run = await builds[0];

    // The build ran exactly the pushed commit, with the trigger's built-ins.
    expect(lines).toContain(`[check] checking ${sha.slice(0, 7)} on main: ${marker}`);
    const b = run.build as unknown as FailedBuild;
    expect(b.substitutions).toMatchObject({
      COMMIT_SHA: sha,
      SHORT_SHA: sha.slice(0, 7),
      BRANCH_NAME: 'main',
    });
    expect(run.status).toBe(BuildStatus.FAILURE);
    const detail =
      'Build step failure: build step 0 "node:24-bookworm-slim" failed: step exited with non-zero status: 1';
    expect(b.statusDetail).toBe(detail);
    expect(b.failureInfo).toEqual({ type: 'USER_BUILD_STEP', detail });
    expect(b.steps.map((s) => [s.id, s.status])).toEqual([
      ['check', BuildStatus.FAILURE],
      ['image', BuildStatus.QUEUED],
    ]);
    expect(b.steps[0].timing).toBeDefined();
    expect(b.steps[1].timing).toBeUndefined();
    expect(b.timing?.BUILD?.endTime).toBe(b.finishTime);
    expect(b.timing?.PUSH).toBeUndefined();
    expect(b.results).toBeUndefined();

    // Published on cloud-builds; the function acknowledged it and deployed nothing.
    const published = apis.state.messages.published.filter((p) => p.topic === TOPIC);
    expect(published).toHaveLength(1);
    expect(published[0].message.messageId).toBe(run.messageId);
    expect(published[0].message.attributes).toEqual({ buildId: buildIds[0], status: 'FAILURE' });
    expect(await Promise.all(delivered)).toEqual([expect.any(Number)]);
    expect((await delivered[0]) >= 200 && (await delivered[0]) < 300).toBe(true);
    expect(fn.stdout() + fn.stderr()).toContain('NOT_SUCCESS');
    const deployment = cloud.kube.getDeployment('maskops', 'inference-api')!;
    expect(deployment.spec.template.spec.containers[0].image).toBe(SERVING);
  });
});
