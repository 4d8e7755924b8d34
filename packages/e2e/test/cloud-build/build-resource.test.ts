import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeBuildMessage } from '@maskops/shared';
import { parseBuildConfig } from '../../src/cloud-build/build-config';
import type { BuildOutcome } from '../../src/cloud-build/build-resource';
import { buildResource } from '../../src/cloud-build/build-resource';
import { planBuild } from '../../src/cloud-build/build-plan';
import { REPO_ROOT } from '../helpers/repo-root';

const REPOSITORY = '127.0.0.1:5000/maskops/inference-api';
const DIGEST = `sha256:${'ab'.repeat(32)}`;
const SHA = 'c0ffee0c0ffee0c0ffee0c0ffee0c0ffee0c0ff';

const plan = planBuild(parseBuildConfig(readFileSync(join(REPO_ROOT, 'cloudbuild.yaml'), 'utf8')), {
  builtins: {
    PROJECT_ID: 'maskops-local',
    BUILD_ID: 'b-42',
    COMMIT_SHA: SHA,
    SHORT_SHA: SHA.slice(0, 7),
    BRANCH_NAME: 'main',
    REPO_NAME: 'maskops',
  },
  overrides: { _IMAGE: REPOSITORY, _RUN_TESTS: 'false' },
});

const span = (a: number, b: number) => ({
  startTime: `2026-12-07T10:00:0${a}.123456789Z`,
  endTime: `2026-12-07T10:00:0${b}.5Z`,
});

const success: BuildOutcome = {
  id: 'b-42',
  projectId: 'maskops-local',
  location: 'local',
  status: 'SUCCESS',
  createTime: '2026-12-07T09:59:59.000001Z',
  startTime: span(0, 9).startTime,
  finishTime: '2026-12-07T10:00:09.987654321Z',
  steps: [span(0, 1), span(1, 2), span(2, 3), span(3, 4)].map((timing) => ({
    status: 'SUCCESS' as const,
    timing,
  })),
  images: [{ name: plan.images[0], digest: DIGEST, pushTiming: span(4, 5) }],
  pushTiming: span(4, 5),
};

function published(build: Record<string, unknown>) {
  const data = Buffer.from(JSON.stringify(build)).toString('base64');
  return decodeBuildMessage({ data }, { repository: REPOSITORY });
}

describe('buildResource', () => {
  test("a SUCCESS build reads back through the deployer's parser as a candidate by digest", () => {
    const build = buildResource(plan, success);
    expect(build).toMatchObject({
      id: 'b-42',
      status: 'SUCCESS',
      images: [`${REPOSITORY}:build-b-42`],
      results: { images: [{ name: `${REPOSITORY}:build-b-42`, digest: DIGEST }] },
      timing: { BUILD: { endTime: success.finishTime }, PUSH: span(4, 5) },
      timeout: '3600s',
      substitutions: { _IMAGE: REPOSITORY, COMMIT_SHA: SHA, BRANCH_NAME: 'main' },
    });
    expect(
      (build.steps as Array<{ id: string; status: string }>).map((s) => [s.id, s.status]),
    ).toEqual([
      ['install', 'SUCCESS'],
      ['check', 'SUCCESS'],
      ['fetch-model', 'SUCCESS'],
      ['image', 'SUCCESS'],
    ]);
    const decision = published(build);
    expect(decision).toEqual({
      kind: 'candidate',
      candidate: expect.objectContaining({
        source: 'cloud-build',
        repository: REPOSITORY,
        digest: DIGEST,
        tag: 'build-b-42',
        image: `${REPOSITORY}@${DIGEST}`,
        buildId: 'b-42',
        finishTime: '2026-12-07T10:00:09.987654321Z',
        commitSha: SHA,
        branch: 'main',
        repoName: 'maskops',
      }) as unknown,
    });
  });

  test('a FAILURE build names the failed step and is never deployable', () => {
    const build = buildResource(plan, {
      ...success,
      status: 'FAILURE',
      statusDetail:
        'Build step failure: build step 1 "check" failed: step exited with non-zero status: 1',
      steps: [
        { status: 'SUCCESS', timing: span(0, 1) },
        { status: 'FAILURE', timing: span(1, 2) },
        { status: 'QUEUED' },
        { status: 'QUEUED' },
      ],
      images: [],
      pushTiming: undefined,
    });
    expect(build).not.toHaveProperty('results');
    expect(build).not.toHaveProperty('timing.PUSH');
    expect(published(build)).toEqual({
      kind: 'ignore',
      ignored: expect.objectContaining({
        reason: 'NOT_SUCCESS',
        status: 'FAILURE',
        buildId: 'b-42',
      }) as unknown,
    });
  });

  test('a TIMEOUT build is published as such', () => {
    const build = buildResource(plan, { ...success, status: 'TIMEOUT', images: [] });
    expect(published(build)).toMatchObject({ kind: 'ignore', ignored: { status: 'TIMEOUT' } });
  });

  test('steps keep their waitFor as written', () => {
    const p = planBuild(
      parseBuildConfig(
        "steps:\n  - {id: a, name: n}\n  - {name: n, waitFor: ['-']}\n  - {name: n, waitFor: [a]}\n",
      ),
      { builtins: {} },
    );
    const build = buildResource(p, {
      ...success,
      steps: p.steps.map(() => ({ status: 'SUCCESS' as const })),
      images: [],
    });
    expect((build.steps as Array<{ waitFor?: string[] }>).map((s) => s.waitFor)).toEqual([
      undefined,
      ['-'],
      ['a'],
    ]);
  });

  test('step outcomes must match the plan', () => {
    expect(() => buildResource(plan, { ...success, steps: [] })).toThrow(
      /0 step outcomes for 4 steps/,
    );
  });
});
