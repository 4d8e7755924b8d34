import { DeployError, transient } from '../errors';
import type { Deps } from '../deps';

const BASE_BACKOFF_MS = 25;
// A busy cluster conflicts for a while; waits beyond this only waste the deadline.
const MAX_BACKOFF_MS = 1000;

/**
 * Runs read-modify-patch `attempt` until it does not hit a 409 conflict (the
 * resourceVersion we read is no longer current), with jittered exponential
 * backoff: at least `maxPatchAttempts` times, and for as long as
 * `patchDeadline` allows when the caller has one (a canary step). After that
 * the conflict is transient: Pub/Sub redelivers, Cloud Tasks retries.
 */
export async function withConflictRetry<T>(
  deps: Pick<Deps, 'sleep' | 'random' | 'maxPatchAttempts' | 'patchDeadline' | 'logger' | 'now'>,
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
      const backoff = Math.min(MAX_BACKOFF_MS, BASE_BACKOFF_MS * 2 ** Math.min(n - 1, 10));
      const delay = Math.round(backoff * (0.5 + deps.random()));
      const timeLeft = deps.patchDeadline !== undefined && deps.now() + delay < deps.patchDeadline;
      if (n >= max && !timeLeft) {
        throw transient('KUBE_CONFLICT', `${what}: still conflicting after ${n} attempts`, {
          cause: err,
        });
      }
      deps.logger.debug(`${what}: conflict, retrying`, { attempt: n, delayMs: delay });
      await deps.sleep(delay);
    }
  }
}
