import type { Backend, ModelAdapter } from './types';

/**
 * The settings the model half needs (loading, decoding, answering), under the
 * names they have in ServingConfig. Built once from the validated config
 * (modelConfigOf) and passed unchanged from main.ts through the engine and the
 * worker message to ModelHost and loadModel, so a setting has one name end to end.
 */
export interface ModelConfig {
  /** MODEL_PATH: directory, model.json / saved_model.pb path, or gs://bucket/prefix. */
  readonly modelPath: string;
  /** MODEL_ADAPTER; detected from the model's tensor names when unset. */
  readonly modelAdapter: ModelAdapter | undefined;
  /** MODEL_LABELS; overrides maskops.json and the built-in COCO labels. */
  readonly modelLabels: string | undefined;
  /** MODEL_CACHE_DIR for gs:// models; default os.tmpdir()/maskops-models. */
  readonly modelCacheDir: string | undefined;
  /** TFJS_BACKEND; best available when unset. */
  readonly tfjsBackend: Backend | undefined;
  /** ORT_INTRA_OP_THREADS: ONNX Runtime threads inside one op, per worker. */
  readonly ortIntraOpThreads: number;
  /** MAX_IMAGE_PIXELS: largest width×height, checked on the header and again on decode. */
  readonly maxImagePixels: number;
  /**
   * MAX_INPUT_SIDE: longest side a tf-od-api model is fed (maskops.json `maxInputSide`
   * overrides it per model; Matterport uses IMAGE_MAX_DIM): larger images shrink on decode.
   */
  readonly maxInputSide: number;
  /** MAX_OVERLAY_SIDE: longest side of a `format=png` overlay; larger ones are drawn scaled. */
  readonly maxOverlaySide: number;
  /** MAX_INSTANCES: most instances in one answer (the highest scores kept). */
  readonly maxInstances: number;
}

// Every key of ModelConfig, checked by the compiler: a new setting cannot be left out.
const MODEL_CONFIG_KEYS: Readonly<Record<keyof ModelConfig, true>> = {
  modelPath: true,
  modelAdapter: true,
  modelLabels: true,
  modelCacheDir: true,
  tfjsBackend: true,
  ortIntraOpThreads: true,
  maxImagePixels: true,
  maxInputSide: true,
  maxOverlaySide: true,
  maxInstances: true,
};

/** The model settings of a validated config, frozen: the one object the model half receives. */
export function modelConfigOf(config: ModelConfig): ModelConfig {
  const picked: Record<string, unknown> = {};
  for (const key of Object.keys(MODEL_CONFIG_KEYS) as (keyof ModelConfig)[]) {
    picked[key] = config[key];
  }
  return Object.freeze(picked as unknown as ModelConfig);
}
