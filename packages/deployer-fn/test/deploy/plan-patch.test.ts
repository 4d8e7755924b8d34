import type { V1Deployment } from '@kubernetes/client-node';
import type { DeployCandidate } from '@maskops/shared';
import { DeployError } from '../../src/errors';
import { Annotation } from '@maskops/shared';
import { planPatch } from '../../src/deploy/plan-patch';

const REPO = 'us-central1-docker.pkg.dev/p/maskops/inference-api';
const D1 = `sha256:${'1'.repeat(64)}`;
const D2 = `sha256:${'2'.repeat(64)}`;

function deployment(
  over: {
    image?: string;
    annotations?: Record<string, string>;
    containers?: Array<{ name: string; image: string }>;
  } = {},
): V1Deployment {
  return {
    metadata: {
      name: 'api',
      namespace: 'default',
      resourceVersion: '42',
      annotations: over.annotations ?? {},
    },
    spec: {
      selector: {},
      template: {
        spec: {
          containers: over.containers ?? [{ name: 'api', image: over.image ?? `${REPO}:v0` }],
        },
      },
    },
  };
}

const candidate = (over: Partial<DeployCandidate> = {}): DeployCandidate => ({
  source: 'cloud-build',
  repository: REPO,
  digest: D1,
  image: `${REPO}@${D1}`,
  buildId: 'b2',
  finishTime: '2026-01-01T00:00:02.000000000Z',
  ...over,
});

const deployed = (buildId: string, finishTime: string) => ({
  annotations: { [Annotation.BUILD_ID]: buildId, [Annotation.FINISH_TIME]: finishTime },
});

it('plans a digest patch of only the container image plus annotations', () => {
  const plan = planPatch(deployment(), candidate({ commitSha: 'abcdef0123456789' }), {});
  expect(plan).toEqual({
    action: 'patch',
    container: 'api',
    image: `${REPO}@${D1}`,
    previousImage: `${REPO}:v0`,
    previousTemplateBuildId: null,
    templateAnnotated: false,
    patch: {
      metadata: {
        resourceVersion: '42',
        annotations: {
          [Annotation.CHANGE_CAUSE]: `maskops: cloud-build b2 commit abcdef012345 → ${REPO}@${D1}`,
          [Annotation.BUILD_ID]: 'b2',
          [Annotation.FINISH_TIME]: '2026-01-01T00:00:02.000000000Z',
          [Annotation.COMMIT_SHA]: 'abcdef0123456789',
          [Annotation.PREVIOUS_IMAGE]: `${REPO}:v0`,
          [Annotation.ROLLBACK_REASON]: null,
          [Annotation.FORCED_BY_REPLAY]: null,
        },
      },
      spec: { template: { spec: { containers: [{ name: 'api', image: `${REPO}@${D1}` }] } } },
    },
  });
});

it('a tag deploy stamps the build id on the pod template', () => {
  const plan = planPatch(
    deployment(),
    candidate({ digest: undefined, tag: 'v1', image: `${REPO}:v1` }),
    {},
  );
  expect(plan.action === 'patch' && plan.patch.spec.template.metadata).toEqual({
    annotations: { [Annotation.BUILD_ID]: 'b2' },
  });
});

it('same build id → already deployed', () => {
  const plan = planPatch(deployment(deployed('b2', '2026-01-01T00:00:02Z')), candidate(), {});
  expect(plan).toMatchObject({ action: 'skip', outcome: 'already-deployed' });
});

it('same digest already running under another build id → already deployed', () => {
  const plan = planPatch(
    deployment({ image: `${REPO}@${D1}` }),
    candidate({ buildId: 'ar-9' }),
    {},
  );
  expect(plan).toMatchObject({ action: 'skip', outcome: 'already-deployed' });
});

it('same digest in another repository is not the same image', () => {
  const plan = planPatch(deployment({ image: `gcr.io/x/y@${D1}` }), candidate(), {});
  expect(plan.action).toBe('patch');
});

it('older finishTime → stale; newer → patch', () => {
  const d = deployment({
    ...deployed('b1', '2026-01-01T00:00:02.000000001Z'),
    image: `${REPO}@${D2}`,
  });
  expect(planPatch(d, candidate(), {})).toMatchObject({ action: 'skip', outcome: 'stale' });
  expect(planPatch(d, candidate({ finishTime: '2026-01-01T00:00:02.000000002Z' }), {}).action).toBe(
    'patch',
  );
});

it('equal finishTime: the larger build id wins, in either delivery order', () => {
  const t = '2026-01-01T00:00:02.000000000Z';
  expect(
    planPatch(deployment(deployed('b-a', t)), candidate({ buildId: 'b-b', finishTime: t }), {})
      .action,
  ).toBe('patch');
  expect(
    planPatch(deployment(deployed('b-b', t)), candidate({ buildId: 'b-a', finishTime: t }), {}),
  ).toMatchObject({ outcome: 'stale' });
});

it('an unreadable deployed finish time does not block a deploy', () => {
  expect(planPatch(deployment(deployed('b1', 'garbage')), candidate(), {}).action).toBe('patch');
});

it('chooses the named container and refuses to guess among several', () => {
  const containers = [
    { name: 'proxy', image: 'gcr.io/o/p:1' },
    { name: 'model', image: `${REPO}:v0` },
  ];
  const plan = planPatch(deployment({ containers }), candidate(), { container: 'model' });
  expect(plan.action === 'patch' && plan.patch.spec.template.spec.containers).toEqual([
    { name: 'model', image: `${REPO}@${D1}` },
  ]);
  expect(() => planPatch(deployment({ containers }), candidate(), {})).toThrow(DeployError);
  expect(() => planPatch(deployment({ containers }), candidate(), {})).toThrow(/proxy, model/);
  expect(() => planPatch(deployment({ containers }), candidate(), { container: 'x' })).toThrow(
    /no container "x"/,
  );
});

describe('force (maskops-replay --in-process --force only)', () => {
  const newer = deployment({ ...deployed('b9', '2026-06-01T00:00:00Z'), image: `${REPO}@${D2}` });
  const at = '2026-07-01T12:00:00.000Z';

  it('deploys an older build and records that it was forced', () => {
    expect(planPatch(newer, candidate(), {})).toMatchObject({ outcome: 'stale' });
    const plan = planPatch(newer, candidate(), {}, { force: { at } });
    expect(plan).toMatchObject({ action: 'patch', forced: true, image: `${REPO}@${D1}` });
    const notes = plan.action === 'patch' ? plan.patch.metadata.annotations : {};
    expect(notes[Annotation.FORCED_BY_REPLAY]).toBe(at);
    expect(notes[Annotation.CHANGE_CAUSE]).toMatch(/\(forced by maskops-replay\)$/);
    expect(notes[Annotation.BUILD_ID]).toBe(candidate().buildId);
  });

  it('still changes nothing for the build already deployed', () => {
    const same = deployment({ ...deployed('b2', '2026-06-01T00:00:00Z') });
    expect(planPatch(same, candidate(), {}, { force: { at } })).toMatchObject({
      action: 'skip',
      outcome: 'already-deployed',
    });
  });
});

it('a deployed key beyond latestTrusted is treated as absent and reported', () => {
  const blocked = deployment(deployed('future', '9999-12-31T23:59:59.999999999Z'));
  expect(planPatch(blocked, candidate(), {})).toMatchObject({ outcome: 'stale' });
  const plan = planPatch(
    blocked,
    candidate(),
    {},
    { latestTrusted: '2026-01-02T00:00:00.000000000Z' },
  );
  expect(plan).toMatchObject({
    action: 'patch',
    distrustedFinishTime: '9999-12-31T23:59:59.999999999Z',
  });
  expect(plan.deployedFinishTime).toBeUndefined();
});
