import { ConfigError, integer, readEach, type Env } from '@maskops/shared';

/** How the service stops on SIGTERM / SIGINT. */
export interface ShutdownConfig {
  /** From SIGTERM to a forced exit(1). */
  shutdownGraceMs: number;
  /** After SIGTERM: /readyz is 503 but requests are still served, so load balancers notice first. */
  shutdownDelayMs: number;
}

function shutdownGraceMs(env: Env): number {
  return integer(env, 'SHUTDOWN_GRACE_MS', 25_000, { min: 0 });
}

/**
 * SHUTDOWN_DELAY_MS, shorter than the grace. Default 0: only a load balancer needs the
 * delay, and in the cluster the manifest's preStop sleep gives it; locally Ctrl-C exits
 * as soon as in-flight requests are done.
 */
function shutdownDelayMs(env: Env): number {
  const delay = integer(env, 'SHUTDOWN_DELAY_MS', 0, { min: 0 });
  if (delay === 0) return delay;
  const grace = shutdownGraceMs(env);
  if (delay >= grace) {
    throw new ConfigError(
      'SHUTDOWN_DELAY_MS',
      `must be less than SHUTDOWN_GRACE_MS (${grace}), got ${delay}`,
    );
  }
  return delay;
}

/** SHUTDOWN_GRACE_MS, SHUTDOWN_DELAY_MS. */
export function readShutdownConfig(env: Env): ShutdownConfig {
  return readEach({
    shutdownGraceMs: () => shutdownGraceMs(env),
    shutdownDelayMs: () => shutdownDelayMs(env),
  });
}
