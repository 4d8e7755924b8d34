import type { FastifyInstance } from 'fastify';
import type { InferenceEngine } from './inference/types';
import type { MetricsServer } from './metrics-server';

/**
 * Graceful drain on SIGTERM/SIGINT, the way a Kubernetes pod is stopped:
 * 1. /readyz turns 503 at once, but requests are still served for
 *    `delayMs`, long enough for load balancers and endpoints to notice;
 * 2. the server stops accepting and finishes what is in flight or queued;
 * 3. the METRICS_PORT listener and the engine (worker thread) are closed and
 *    the process exits 0.
 * If that takes longer than `graceMs` from the signal, it exits 1 (logged).
 * A second SIGINT (Ctrl-C twice) exits 1 at once. A dead engine drains the same
 * way but exits 1, so the pod is restarted.
 */
export interface ShutdownOptions {
  app: FastifyInstance;
  engine: () => InferenceEngine | undefined;
  /** The METRICS_PORT listener, once started: closed after the app, so the drain stays visible. */
  metricsServer?: () => MetricsServer | undefined;
  delayMs: number;
  graceMs: number;
  exit?: (code: number) => void;
  signals?: readonly NodeJS.Signals[];
}

export type Shutdown = (reason: string, exitCode?: number) => Promise<void>;

export function installGracefulShutdown(options: ShutdownOptions): Shutdown {
  const { app, delayMs, graceMs } = options;
  const exit = options.exit ?? ((code: number) => process.exit(code));
  let draining = false;

  const shutdown: Shutdown = async (signal, exitCode = 0) => {
    if (draining) {
      if (signal === 'SIGINT') {
        app.log.warn({ signal }, 'second interrupt: exiting without draining');
        exit(1);
      }
      return;
    }
    draining = true;
    const started = performance.now();
    const { queue } = app;
    app.log.info(
      { signal, delayMs, graceMs, queued: queue.waiting, running: queue.active },
      'draining: readiness off, still serving',
    );
    app.lifecycle.drain();
    const force = setTimeout(() => {
      app.log.error(
        { signal, graceMs, queued: queue.waiting, running: queue.active },
        'shutdown grace expired: exiting with requests unfinished',
      );
      exit(1);
    }, graceMs);

    try {
      await new Promise((r) => setTimeout(r, delayMs));
      app.log.info(
        { queued: queue.waiting, running: queue.active },
        'stopped accepting: finishing in-flight and queued requests',
      );
      await app.close();
      await options.metricsServer?.()?.close();
      await options.engine()?.close();
      clearTimeout(force);
      app.log.info(
        { drainMs: Math.round(performance.now() - started), exitCode },
        'drained: exiting',
      );
      exit(exitCode);
    } catch (err) {
      clearTimeout(force);
      app.log.error({ err }, 'shutdown failed');
      exit(1);
    }
  };

  for (const signal of options.signals ?? (['SIGTERM', 'SIGINT'] as const)) {
    process.on(signal, () => void shutdown(signal));
  }
  return shutdown;
}
