import { DeployError, transient } from '../errors';
import type { Deps } from '../deps';

const BASE_BACKOFF_MS = 25;

/**
 * Runs read-modify-patch `attempt` until it does not hit a 409 conflict (the
 * resourceVersion we read is no longer current), with jittered exponential
 * backoff. After the last attempt the conflict is transient: Pub/Sub redelivers.
 */
export async function withConflictRetry<T>(
  deps: Pick<Deps, 'sleep' | 'random' | 'maxPatchAttempts' | 'logger'>,
  what: string,
  attempt: (n: number) => Promise<T>,
): Promise<T> {
  const max = Math.max(1, deps.maxPatchAttempts ?? 4);
  for (let n = 1; ; n++) {
    try {
      return await attempt(n);
    } catch (err) {
      const conflict = err instanceof DeployError && err.code === 'KUBE_CONFLICT';
      if (!conflict) throw err;
      if (n >= max) {
        throw transient('KUBE_CONFLICT', `${what}: still conflicting after ${n} attempts`, {
          cause: err,
        });
      }
      const delay = Math.round(BASE_BACKOFF_MS * 2 ** (n - 1) * (0.5 + deps.random()));
      deps.logger.debug(`${what}: conflict, retrying`, { attempt: n, delayMs: delay });
      await deps.sleep(delay);
    }
  }
}
