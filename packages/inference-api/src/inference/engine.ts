// sharp must be loaded by the main thread before any worker loads it: on
// glibc Linux its shared libraries have to outlive every worker.
import 'sharp';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { FastifyBaseLogger } from 'fastify';
import { inferenceFailed, notReady, type InferenceApiError } from '../errors';
import type { InferenceEngine, ModelInfo, Prediction, PredictOptions } from './types';
import { writeWorkerLine } from '../logging/worker-log';
import type { ModelConfig } from './model-config';
import type { FromWorker, ToWorker } from './worker-protocol';
import { deserializeError } from './worker-protocol';

/** The model settings, handed to the worker as they are, plus what stays in this thread. */
export interface InferenceEngineOptions {
  /** The worker's workerData, unchanged (modelConfigOf). */
  model: ModelConfig;
  /** The process's pino logger: the worker's lines are written with it. */
  logger?: FastifyBaseLogger;
  /**
   * Called once if the worker dies after start-up (crash, OOM, native abort).
   * Every pending and later predict() rejects with INFERENCE_FAILED; the engine
   * does not restart the worker, so the service should stop being ready and exit.
   */
  onFatal?: (error: InferenceApiError) => void;
  /** The worker script; defaults to the package's dist/inference/worker.js. Tests only. */
  workerFile?: string;
}

export interface WorkerInferenceEngine extends InferenceEngine {
  /** False once the worker has died or the engine was closed. */
  readonly healthy: boolean;
}

/**
 * The worker is always the compiled dist/inference/worker.js, resolved from the
 * package root (this file lives in src/inference under jest and dist/inference in
 * production), so tests need `pnpm build` first — turbo runs it before test.
 */
const DEFAULT_WORKER_FILE = join(__dirname, '..', '..', 'dist', 'inference', 'worker.js');

interface Pending {
  resolve(value: unknown): void;
  reject(error: InferenceApiError): void;
}

/**
 * Starts the inference worker and resolves once the model is loaded and warmed
 * (rejects with the worker's MODEL_INVALID / MODEL_NOT_FOUND error otherwise).
 */
export async function createInferenceEngine(
  options: InferenceEngineOptions,
): Promise<WorkerInferenceEngine> {
  const worker = new Worker(options.workerFile ?? DEFAULT_WORKER_FILE, {
    workerData: options.model,
  });
  const logger = options.logger;
  const pending = new Map<number, Pending>();
  let nextId = 1;
  let state: 'starting' | 'ready' | 'dead' | 'closed' = 'starting';
  let deathError: InferenceApiError | undefined;

  const ready = new Promise<{ info: ModelInfo; loadMs: number; warmupMs: number }>(
    (resolve, reject) => {
      const die = (error: InferenceApiError, cause: unknown) => {
        if (state === 'closed' || state === 'dead') return;
        const wasReady = state === 'ready';
        state = 'dead';
        deathError = error;
        for (const p of pending.values()) p.reject(error);
        pending.clear();
        if (!wasReady) {
          reject(error);
          return;
        }
        logger?.error({ err: cause }, 'inference worker died');
        options.onFatal?.(error);
      };

      worker.on('message', (message: FromWorker) => {
        switch (message.type) {
          case 'log':
            if (logger) writeWorkerLine(logger, message);
            return;
          case 'ready':
            state = 'ready';
            resolve(message);
            return;
          case 'init-error':
            state = 'dead';
            reject(deserializeError(message.error));
            void worker.terminate();
            return;
          case 'result':
          case 'num-tensors': {
            const p = pending.get(message.id);
            pending.delete(message.id);
            p?.resolve(message.type === 'result' ? message.prediction : message.value);
            return;
          }
          case 'error': {
            const p = pending.get(message.id);
            pending.delete(message.id);
            p?.reject(deserializeError(message.error));
            return;
          }
        }
      });
      worker.on('error', (err) => {
        die(inferenceFailed('the inference worker crashed', { cause: err }), err);
      });
      worker.on('exit', (code) => {
        die(inferenceFailed(`the inference worker exited (code ${code})`), { exitCode: code });
      });
    },
  );

  const { info, loadMs, warmupMs } = await ready;

  const call = <T>(message: ToWorker, transfer: ArrayBuffer[] = []): Promise<T> => {
    if (state === 'closed') {
      return Promise.reject(notReady('the inference engine is closed'));
    }
    if (state !== 'ready') {
      return Promise.reject(deathError ?? inferenceFailed('the inference worker has stopped'));
    }
    return new Promise<T>((resolve, reject) => {
      pending.set(message.id, { resolve: resolve, reject });
      try {
        worker.postMessage(message, transfer);
      } catch {
        // An ArrayBuffer that cannot be moved (marked untransferable) is copied instead.
        worker.postMessage(message);
      }
    });
  };

  return {
    info,
    loadMs,
    warmupMs,
    get healthy() {
      return state === 'ready';
    },
    /**
     * Takes ownership of `image`: when it spans its whole ArrayBuffer, that buffer
     * is transferred to the worker and is detached (empty) here afterwards.
     */
    predict(image: Uint8Array, predictOptions: PredictOptions): Promise<Prediction> {
      // Move the bytes instead of copying them when the view owns its whole
      // ArrayBuffer (Buffer.concat of a body does; pooled small Buffers don't).
      // (Tag check, not instanceof: buffers may come from another realm, e.g. under jest.)
      const owned =
        image.byteOffset === 0 &&
        image.byteLength === image.buffer.byteLength &&
        Object.prototype.toString.call(image.buffer) === '[object ArrayBuffer]'
          ? image
          : image.slice();
      return call<Prediction>(
        { type: 'predict', id: nextId++, image: owned, options: predictOptions },
        [owned.buffer as ArrayBuffer],
      );
    },
    numTensors(): Promise<number> {
      return call<number>({ type: 'num-tensors', id: nextId++ });
    },
    async close(): Promise<void> {
      if (state === 'closed') return;
      state = 'closed';
      const closed = notReady('the inference engine is closed');
      for (const p of pending.values()) p.reject(closed);
      pending.clear();
      await worker.terminate();
    },
  };
}
