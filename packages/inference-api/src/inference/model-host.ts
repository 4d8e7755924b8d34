import * as tf from '@tensorflow/tfjs';
import type { Logger } from '@maskops/shared';
import type { Adapter, DecodedImage } from '../adapters/adapter';
import { msSince } from '../adapters/adapter';
import { createMatterportAdapter } from '../adapters/matterport';
import { createTfOdApiAdapter } from '../adapters/tf-od-api';
import { decodeImage } from '../images/decode';
import { renderOverlay } from '../images/overlay';
import { selectBackend } from '../model/backend';
import type { LoadedModel } from '../model/load-model';
import { loadModel } from '../model/load-model';
import type { WorkerInit } from './worker-protocol';
import type { ModelInfo, Prediction, PredictOptions } from './types';
import { ModelAdapter } from './types';

// Mid-grey with a darker block: exercises every op, finds nothing.
const WARMUP_SIZE = 256;

/**
 * Everything that happens inside the inference worker: backend, model, adapter,
 * warm-up, and one prediction at a time. Kept free of worker_threads so tests
 * and benchmarks can also run it in-process.
 */
export class ModelHost {
  private constructor(
    private readonly loaded: LoadedModel,
    private readonly adapter: Adapter,
    private readonly maxImagePixels: number,
    readonly loadMs: number,
    readonly warmupMs: number,
  ) {}

  get info(): ModelInfo {
    return this.loaded.info;
  }

  static async start(init: WorkerInit, logger?: Logger): Promise<ModelHost> {
    let start = performance.now();
    const backend = await selectBackend(init.backend, logger);
    const loaded = await loadModel({
      modelPath: init.modelPath,
      adapter: init.adapter,
      labelsPath: init.labelsPath,
      cacheDir: init.cacheDir,
      backend,
      logger,
    });
    let adapter: Adapter;
    try {
      adapter = createAdapter(loaded);
    } catch (err) {
      loaded.model.dispose();
      throw err;
    }
    const loadMs = msSince(start);

    start = performance.now();
    await adapter.predict(warmupImage(), 1);
    const warmupMs = msSince(start);
    logger?.info('model warmed up', {
      model: loaded.info.name,
      backend,
      loadMs,
      warmupMs,
      numTensors: tf.memory().numTensors,
    });
    return new ModelHost(loaded, adapter, init.maxImagePixels, loadMs, warmupMs);
  }

  async predict(bytes: Uint8Array, options: PredictOptions): Promise<Prediction> {
    const start = performance.now();
    const image = await decodeImage(bytes, this.maxImagePixels);
    const decodeMs = msSince(start);
    const { instances, timings } = await this.adapter.predict(image, options.minScore);
    const prediction: Prediction = {
      image: { width: image.width, height: image.height },
      instances,
      timings: { decodeMs, ...timings },
    };
    if (options.overlay) {
      prediction.overlayPng = await renderOverlay(image.rgb, image.width, image.height, instances);
    }
    return prediction;
  }

  numTensors(): number {
    return tf.memory().numTensors;
  }

  dispose(): void {
    this.loaded.model.dispose();
  }
}

function createAdapter(loaded: LoadedModel): Adapter {
  const { model, info } = loaded;
  return info.adapter === ModelAdapter.MATTERPORT
    ? createMatterportAdapter(model, info.labels, loaded.matterportConfig)
    : createTfOdApiAdapter(model, info.labels);
}

function warmupImage(): DecodedImage {
  const rgb = new Uint8Array(WARMUP_SIZE * WARMUP_SIZE * 3).fill(128);
  for (let y = 64; y < 128; y++)
    rgb.fill(40, (y * WARMUP_SIZE + 64) * 3, (y * WARMUP_SIZE + 128) * 3);
  return { rgb, width: WARMUP_SIZE, height: WARMUP_SIZE };
}
