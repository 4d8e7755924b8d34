import fp from 'fastify-plugin';
import type { ServingConfig } from '../config';
import { notReady, RejectReason } from '../errors';
import type { InferenceEngine } from '../inference/types';
import { QueueState } from '../serving/controlled-delay';
import { InferenceQueue } from '../serving/inference-queue';
import { Lifecycle, Phase } from '../serving/lifecycle';
import { UploadBudget } from '../serving/upload-budget';
import { recordEngine } from './metrics';
import { sendError } from '../http/send-error';

declare module 'fastify' {
  interface FastifyInstance {
    /** The settings read once at start (config.ts). */
    config: ServingConfig;
    lifecycle: Lifecycle;
    queue: InferenceQueue;
    uploads: UploadBudget;
  }
}

export interface ServingOptions {
  config: ServingConfig;
  /** A loaded engine, or the promise of one: the app answers /healthz while it loads. */
  engine: InferenceEngine | Promise<InferenceEngine>;
}

/**
 * What serving needs, as decorators every route reads: the config, the
 * readiness lifecycle around the engine, the admission queue in front of it and
 * the upload byte budget. While closing, new requests (on kept-alive
 * connections) get 503 NOT_READY; while draining or closing, every answer
 * closes its connection.
 */
export const servingPlugin = fp<ServingOptions>(
  (app, { config, engine }) => {
    const { metrics } = app;
    const lifecycle = new Lifecycle(engine);
    const queue = new InferenceQueue({
      maxQueue: config.maxQueue,
      maxWaitMs: config.maxQueueWaitMs,
      targetMs: config.queueTargetMs,
      intervalMs: config.queueIntervalMs,
      // Each inference worker runs one prediction at a time (INFERENCE_WORKERS).
      workers: config.inferenceWorkers,
      timeoutMs: config.requestTimeoutMs,
      onChange: (waiting, running) => {
        metrics.queueDepth.set(waiting);
        metrics.inFlight.set(running);
      },
      onStateChange: ({ state, afterMs, intervalMs, allowedWaitMs }) => {
        metrics.queueStanding.set(state === QueueState.STANDING ? 1 : 0);
        metrics.queueStateChanges.inc({ state });
        app.log.info(
          {
            queueState: state,
            afterMs: Math.round(afterMs),
            queueIntervalMs: Math.round(intervalMs),
            allowedWaitMs: allowedWaitMs === undefined ? null : Math.round(allowedWaitMs),
            waiting: queue.waiting,
          },
          state === QueueState.STANDING
            ? 'queue standing: admitting only QUEUE_TARGET_MS of expected wait'
            : 'queue drained: admitting up to MAX_QUEUE_WAIT_MS of expected wait',
        );
      },
    });
    const uploads = new UploadBudget(config.maxInflightBytes, (used) =>
      metrics.uploadBytes.set(used),
    );
    // A failed load is reported once, by main.ts (its CRITICAL line), and by /readyz.
    void lifecycle.settled.then(() => {
      const loaded = lifecycle.engineIfLoaded;
      if (loaded) recordEngine(metrics, loaded);
    });
    app.decorate('config', config);
    app.decorate('lifecycle', lifecycle);
    app.decorate('queue', queue);
    app.decorate('uploads', uploads);

    app.addHook('onRequest', async (_request, reply) => {
      if (lifecycle.phase === Phase.CLOSING) {
        reply.header('connection', 'close');
        return sendError(
          reply,
          notReady('the server is shutting down', {
            retryAfterSeconds: 1,
            reason: RejectReason.CLOSING,
          }),
        );
      }
      return undefined;
    });
    // While draining, every answer closes its connection: kept-alive clients reconnect
    // (to another pod) and server.close() is not held open by idle sockets.
    app.addHook('onSend', async (_request, reply) => {
      if (lifecycle.phase === Phase.DRAINING || lifecycle.phase === Phase.CLOSING) {
        reply.header('connection', 'close');
      }
    });
    app.addHook('preClose', (done) => {
      lifecycle.close();
      queue.close();
      done();
    });
  },
  { name: 'serving', fastify: '5.x', dependencies: ['metrics'] },
);
