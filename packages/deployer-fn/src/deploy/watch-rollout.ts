import type { V1Deployment } from '@kubernetes/client-node';
import { isPermanent } from '../errors';
import type { Deps } from '../deps';
import type { RolloutLook } from '../rollout/lifecycle';
import type { RolloutTarget } from '../rollout/deployment-patch';
import { supersededBy } from '../rollout/deployment-patch';

export type RolloutResult = RolloutLook & { readonly elapsedMs: number };

export type RolloutState =
  | { done: true }
  | {
      done: false;
      failed?: { reason: 'ProgressDeadlineExceeded'; message: string };
      waiting: string;
    };

/**
 * The same test `kubectl rollout status` applies: the controller has seen the
 * generation we wrote, every replica is updated and available, and no old
 * replica is left. A Progressing=False/ProgressDeadlineExceeded condition is a
 * failure, but only once the controller has observed our generation.
 */
export function rolloutState(d: V1Deployment, minGeneration: number): RolloutState {
  const generation = Math.max(d.metadata?.generation ?? 0, minGeneration);
  const s = d.status ?? {};
  if ((s.observedGeneration ?? 0) < generation) {
    return {
      done: false,
      waiting: `observedGeneration ${s.observedGeneration ?? 0} < ${generation}`,
    };
  }
  const progressing = (s.conditions ?? []).find((c) => c.type === 'Progressing');
  if (progressing?.status === 'False' && progressing.reason === 'ProgressDeadlineExceeded') {
    return {
      done: false,
      failed: {
        reason: 'ProgressDeadlineExceeded',
        message: (progressing.message ?? '').slice(0, 300),
      },
      waiting: 'progress deadline exceeded',
    };
  }
  const replicas = d.spec?.replicas ?? 1;
  const updated = s.updatedReplicas ?? 0;
  const available = s.availableReplicas ?? 0;
  const total = s.replicas ?? 0;
  if (updated < replicas)
    return { done: false, waiting: `${updated}/${replicas} replicas updated` };
  if (total > updated)
    return { done: false, waiting: `${total - updated} old replicas pending termination` };
  if (available < updated)
    return { done: false, waiting: `${available}/${updated} updated replicas available` };
  return { done: true };
}

/** Polls the Deployment until the rollout completes, fails, or `timeoutSeconds` pass. */
export async function watchRollout(
  deps: Deps,
  generation: number,
  timeoutSeconds: number,
  ours?: RolloutTarget,
): Promise<RolloutResult> {
  const { namespace, deployment } = deps.config;
  const start = deps.now();
  const deadline = start + timeoutSeconds * 1000;
  const interval = deps.pollIntervalMs ?? 1000;
  let waiting = 'not yet read';
  for (;;) {
    try {
      const current = await deps.api.read(namespace, deployment);
      const other = ours === undefined ? undefined : supersededBy(current, ours);
      if (other !== undefined) {
        return { status: 'superseded', currentImage: other, elapsedMs: deps.now() - start };
      }
      const state = rolloutState(current, generation);
      if (state.done) return { status: 'complete', elapsedMs: deps.now() - start };
      if (state.failed) return { status: 'failed', ...state.failed, elapsedMs: deps.now() - start };
      waiting = state.waiting;
    } catch (err) {
      // A Deployment deleted mid-rollout will not come back; a flaky read might.
      if (isPermanent(err)) throw err;
      waiting = `read failed: ${(err as Error).message.slice(0, 200)}`;
      deps.logger.debug('rollout poll failed', { error: waiting });
    }
    const remaining = deadline - deps.now();
    if (remaining <= 0) {
      return {
        status: 'failed',
        reason: 'Timeout',
        message: `rollout not complete after ${timeoutSeconds}s (${waiting})`,
        elapsedMs: deps.now() - start,
      };
    }
    await deps.sleep(Math.min(interval, remaining));
  }
}
