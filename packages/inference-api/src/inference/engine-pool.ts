import type { InferenceEngineOptions, WorkerInferenceEngine } from './engine';
import { createInferenceEngine } from './engine';
import type { Prediction, PredictOptions } from './types';

/**
 * INFERENCE_WORKERS > 1: that many worker threads, each loading its own copy of
 * the model (memory × N), behind the one-engine interface. The queue in front
 * admits at most N predictions at once; each goes to the worker with the fewest
 * in progress. Throughput scales while the cores are free: 2 workers × 1
 * intra-op thread keep both cores busy between ops where 1 × 2 threads stall.
 */
export async function createEnginePool(
  options: InferenceEngineOptions,
  workers: number,
): Promise<WorkerInferenceEngine> {
  if (workers <= 1) return createInferenceEngine(options);
  const settled = await Promise.allSettled(
    Array.from({ length: workers }, () => createInferenceEngine(options)),
  );
  const engines = settled.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
  if (failed) {
    await Promise.all(engines.map((e) => e.close()));
    throw failed.reason;
  }
  const busy = engines.map(() => 0);
  const first = engines[0];
  return {
    info: { ...first.info, workers },
    // Workers load in parallel: the slowest one is when the service became ready.
    loadMs: Math.max(...engines.map((e) => e.loadMs)),
    warmupMs: Math.max(...engines.map((e) => e.warmupMs)),
    get healthy() {
      return engines.every((e) => e.healthy);
    },
    async predict(image: Uint8Array, predictOptions: PredictOptions): Promise<Prediction> {
      let pick = 0;
      for (let i = 1; i < engines.length; i++) if (busy[i] < busy[pick]) pick = i;
      busy[pick]++;
      try {
        return await engines[pick].predict(image, predictOptions);
      } finally {
        busy[pick]--;
      }
    },
    async numTensors(): Promise<number> {
      const counts = await Promise.all(engines.map((e) => e.numTensors()));
      return counts.reduce((a, b) => a + b, 0);
    },
    async close(): Promise<void> {
      await Promise.all(engines.map((e) => e.close()));
    },
  };
}
