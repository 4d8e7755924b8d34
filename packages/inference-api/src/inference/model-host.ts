import type { WorkerLogger as Logger } from '../logging/worker-log';
import type { Adapter } from '../adapters/adapter';
import type { DecodedImage } from '../images/decoded-image';
import { originalSize } from '../images/decoded-image';
import { msSince } from '../util/timing';
import { createMatterportAdapter } from '../adapters/matterport';
import { createTfOdApiAdapter } from '../adapters/tf-od-api';
import { createTorchvisionAdapter } from '../adapters/torchvision';
import { decodeImage, fitInside, uprightPipeline } from '../images/decode';
import { modelInvalid } from '../errors';
import { drawOverlay, renderOverlay } from '../images/overlay';
import { selectBackend } from '../model/backend';
import type { LoadedModel } from '../model/load-model';
import { loadModel } from '../model/load-model';
import { dropSpecks } from '../masks/min-area';
import type { ModelConfig } from './model-config';
import type { ModelInfo, Prediction, PredictOptions } from './types';
import { Backend, ModelAdapter, Runtime } from './types';

/** The side of the first warm-up image (and the only one off wasm, see start). */
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
    private readonly config: ModelConfig,
    readonly loadMs: number,
    readonly warmupMs: number,
  ) {}

  get info(): ModelInfo {
    return this.loaded.info;
  }

  static async start(config: ModelConfig, logger?: Logger): Promise<ModelHost> {
    let start = performance.now();
    const loaded = await loadModel({
      ...config,
      backend: () => selectBackend(config.tfjsBackend, logger),
      logger,
    });
    const backend = loaded.info.backend;
    let adapter: Adapter;
    try {
      adapter = createAdapter(loaded, config.maxInputSide);
    } catch (err) {
      loaded.model.dispose();
      throw err;
    }
    const loadMs = msSince(start);

    start = performance.now();
    // wasm's linear memory grows and never shrinks, so its high-water mark is the
    // largest input seen: a second warm-up at the working side (as large as the
    // model is ever fed) takes it now, before ready, so the first big upload costs
    // no more than any later one. The small one first: the per-op state that stays
    // (XNNPACK operators, buffers) then sits low in the heap instead of splitting
    // the large free blocks (measured on the demo model at 1333²: 64 MiB of heap
    // after any number of uploads, against 82 MiB and then 122 MiB without it).
    // cpu and tfjs-node return their memory, and cpu would take seconds at 1333².
    const warmupSide = backend === Backend.WASM ? adapter.maxInputSide : WARMUP_SIZE;
    const { maxInstances } = config;
    for (const side of warmupSide === WARMUP_SIZE ? [WARMUP_SIZE] : [WARMUP_SIZE, warmupSide]) {
      const { stats } = await adapter.predict(warmupImage(side), { minScore: 1, maxInstances });
      // A model that answers NaN or ±Infinity on a plain grey image is broken, not unlucky.
      if (stats.nonFinite > 0) {
        loaded.model.dispose();
        throw modelInvalid(
          `the model gave ${stats.nonFinite} detections with non-finite boxes or scores on the warm-up image (${side}×${side} grey): it is not served`,
        );
      }
    }
    const warmupMs = msSince(start);
    logger?.info('model warmed up', {
      model: loaded.info.name,
      backend,
      loadMs,
      warmupMs,
      warmupSide,
      numTensors: loaded.model.liveTensors(),
      maxInputSide: adapter.maxInputSide,
    });
    return new ModelHost(loaded, adapter, config, loadMs, warmupMs);
  }

  async predict(bytes: Uint8Array, options: PredictOptions): Promise<Prediction> {
    const start = performance.now();
    // Decoded at the model's working size: memory follows the model, not the upload.
    const image = await decodeImage(
      bytes,
      options.probe,
      this.config.maxImagePixels,
      this.adapter.maxInputSide,
    );
    const decodeMs = msSince(start);
    const { instances, timings, stats } = await this.adapter.predict(image, {
      minScore: options.minScore,
      maxInstances: this.config.maxInstances,
    });
    const prediction: Prediction = {
      image: originalSize(image),
      // The demo models promise no speck under the minimum area (README); a real model's
      // answers stay exactly its own, so they match its reference outputs.
      instances: this.loaded.info.demo ? dropSpecks(instances) : instances,
      timings: { decodeMs, ...timings },
      outputs: stats,
    };
    if (options.overlay) {
      Object.assign(prediction, await this.overlay(bytes, image, prediction.instances));
    }
    return prediction;
  }

  /**
   * The overlay at the original size, or at most maxOverlaySide on its longest
   * side (overlayScale < 1 then). The working image is reused when it already
   * has that size; otherwise the upload is decoded again straight to it and
   * streamed through compositing and PNG encoding, so no raster above the cap
   * (nor a whole one at it) is ever allocated.
   */
  private async overlay(
    bytes: Uint8Array,
    image: DecodedImage,
    instances: Prediction['instances'],
  ): Promise<Pick<Prediction, 'overlayPng' | 'overlayScale'>> {
    const size = originalSize(image);
    const target = fitInside(size, this.config.maxOverlaySide);
    const overlayPng =
      target.width === image.width && target.height === image.height
        ? await renderOverlay(image.rgb, image.width, image.height, instances, size)
        : await drawOverlay(uprightPipeline(bytes, size, target), target, instances, size);
    const longest = Math.max(size.width, size.height);
    const side = Math.max(target.width, target.height);
    return side < longest
      ? { overlayPng, overlayScale: Number((side / longest).toFixed(6)) }
      : { overlayPng };
  }

  numTensors(): number {
    return this.loaded.model.liveTensors();
  }

  dispose(): void {
    this.loaded.model.dispose();
  }
}

/** `maxInputSide` is MAX_INPUT_SIDE; the model's maskops.json may override it. */
function createAdapter(loaded: LoadedModel, maxInputSide: number): Adapter {
  const { model, info } = loaded;
  const side = loaded.maxInputSide ?? maxInputSide;
  if (model.runtime === Runtime.ONNXRUNTIME)
    return createTorchvisionAdapter(model, info.labels, side);
  return info.adapter === ModelAdapter.MATTERPORT
    ? createMatterportAdapter(model, info.labels, loaded.matterportConfig, side)
    : createTfOdApiAdapter(model, info.labels, side);
}

/** Mid-grey with a darker block: exercises every op, finds nothing. */
function warmupImage(side: number): DecodedImage {
  const rgb = new Uint8Array(side * side * 3).fill(128);
  const [from, to] = [side >> 2, side >> 1];
  for (let y = from; y < to; y++) rgb.fill(40, (y * side + from) * 3, (y * side + to) * 3);
  return { rgb, width: side, height: side };
}
