import type { V1Deployment } from '@kubernetes/client-node';
import { rolloutState } from '../../src/deploy/watch-rollout';

function d(status: V1Deployment['status'], generation = 3, replicas = 2): V1Deployment {
  return { metadata: { generation }, spec: { replicas, selector: {}, template: {} }, status };
}
const progressing = (status: string, reason: string) => ({
  conditions: [{ type: 'Progressing', status, reason, message: 'm' }],
});

it.each<[string, V1Deployment, boolean]>([
  [
    'complete',
    d({ observedGeneration: 3, replicas: 2, updatedReplicas: 2, availableReplicas: 2 }),
    true,
  ],
  [
    'not yet observed',
    d({ observedGeneration: 2, replicas: 2, updatedReplicas: 2, availableReplicas: 2 }),
    false,
  ],
  [
    'not all updated',
    d({ observedGeneration: 3, replicas: 2, updatedReplicas: 1, availableReplicas: 2 }),
    false,
  ],
  [
    'old replicas left',
    d({ observedGeneration: 3, replicas: 3, updatedReplicas: 2, availableReplicas: 2 }),
    false,
  ],
  [
    'not available',
    d({ observedGeneration: 3, replicas: 2, updatedReplicas: 2, availableReplicas: 1 }),
    false,
  ],
  ['no status', d(undefined), false],
  ['scaled to zero', d({ observedGeneration: 3 }, 3, 0), true],
])('%s', (_n, dep, done) => {
  expect(rolloutState(dep, 3).done).toBe(done);
});

it('ProgressDeadlineExceeded is a failure once our generation is observed', () => {
  const failing = d({
    observedGeneration: 3,
    replicas: 3,
    updatedReplicas: 1,
    ...progressing('False', 'ProgressDeadlineExceeded'),
  });
  expect(rolloutState(failing, 3)).toMatchObject({
    done: false,
    failed: { reason: 'ProgressDeadlineExceeded' },
  });
  // The same condition left over from an earlier rollout does not count.
  const old = d({ observedGeneration: 2, ...progressing('False', 'ProgressDeadlineExceeded') });
  expect(rolloutState(old, 3)).not.toHaveProperty('failed');
});

it('waits for the generation we wrote even if the object reports an older one', () => {
  expect(
    rolloutState(
      d({ observedGeneration: 3, replicas: 2, updatedReplicas: 2, availableReplicas: 2 }),
      4,
    ).done,
  ).toBe(false);
});
