import { join } from 'node:path';
import {
  boolean,
  ConfigError,
  integer,
  number,
  oneOf,
  optionalString,
  parseModelUri,
  readEach,
  type Env,
} from '@maskops/shared';
import { Backend, ModelAdapter } from '../inference/types';
import { PACKAGE_ROOT } from '../package-root';
import { containerCpus } from '../runtime/cpu-quota';

/** The model, where it runs, and how it answers by default. */
export interface ModelSettings {
  /** min_score when a request gives none. */
  defaultMinScore: number;
  modelPath: string;
  modelAdapter: ModelAdapter | undefined;
  modelLabels: string | undefined;
  modelCacheDir: string | undefined;
  tfjsBackend: Backend | undefined;
  /** Inference worker threads, each with its own copy of the model. */
  inferenceWorkers: number;
  /** ONNX Runtime threads inside one op, per worker (default: the container's CPU quota). */
  ortIntraOpThreads: number;
}

export const DEFAULT_MODEL_PATH = join(PACKAGE_ROOT, 'models', 'shapes-tf-od-api', 'model.json');

// One worker by default: each holds its own session, and two R50-FPN sessions peak at
// ~3.2 GB, over the pod's 2 GiB (docs/serving.md, "ONNX Runtime and workers").
function inferenceWorkers(env: Env): number {
  return integer(env, 'INFERENCE_WORKERS', 1, { min: 1, max: 64 });
}

/**
 * ORT_INTRA_OP_THREADS: by default the container's CPU quota shared among the
 * workers, so setting INFERENCE_WORKERS alone never oversubscribes the quota.
 */
function ortIntraOpThreads(env: Env): number {
  if (optionalString(env, 'ORT_INTRA_OP_THREADS') === undefined) {
    return Math.max(1, Math.floor(containerCpus() / inferenceWorkers(env)));
  }
  return integer(env, 'ORT_INTRA_OP_THREADS', 0, { min: 1, max: 256 });
}

/**
 * MODEL_PATH. With MODEL_REQUIRE_GENERATION (setup.sh sets it with --model-bucket) a
 * gs:// path must pin a manifest generation: a bare prefix would load whatever the
 * bucket holds when the pod starts, so two pods of one rollout could serve two models.
 */
function modelPath(env: Env): string {
  const path = optionalString(env, 'MODEL_PATH', DEFAULT_MODEL_PATH);
  if (
    boolean(env, 'MODEL_REQUIRE_GENERATION', false) &&
    path.startsWith('gs://') &&
    parseModelUri(path) === undefined
  ) {
    throw new ConfigError(
      'MODEL_PATH',
      `must pin a published model (gs://BUCKET/PREFIX/NAME/maskops-model.json#GENERATION) while MODEL_REQUIRE_GENERATION is true, got ${path}`,
    );
  }
  return path;
}

/** DEFAULT_MIN_SCORE, MODEL_*, TFJS_BACKEND, INFERENCE_WORKERS, ORT_INTRA_OP_THREADS. */
export function readModelSettings(env: Env): ModelSettings {
  return readEach({
    defaultMinScore: () => number(env, 'DEFAULT_MIN_SCORE', 0.5, { min: 0, max: 1 }),
    modelPath: () => modelPath(env),
    modelAdapter: () => oneOf(env, 'MODEL_ADAPTER', Object.values(ModelAdapter)),
    modelLabels: () => optionalString(env, 'MODEL_LABELS'),
    modelCacheDir: () => optionalString(env, 'MODEL_CACHE_DIR'),
    tfjsBackend: () => oneOf(env, 'TFJS_BACKEND', Object.values(Backend)),
    inferenceWorkers: () => inferenceWorkers(env),
    ortIntraOpThreads: () => ortIntraOpThreads(env),
  });
}
