import { readFile, stat } from 'node:fs/promises';
import type { Storage } from '@google-cloud/storage';
import { basename, dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import { loadGraphModel } from '@tensorflow/tfjs-converter';
import type { WorkerLogger } from '../logging/worker-log';
import { describeError } from '@maskops/shared';
import { detectAdapter, requireTensors } from '../adapters/adapter';
import { fitsTorchvision, unknownOnnxContract } from '../adapters/torchvision/contract';
import { modelAdapterMismatch, modelInvalid, modelNotFound } from '../errors';
import type { ModelConfig } from '../inference/model-config';
import type { ModelInfo } from '../inference/types';
import { Backend, ModelAdapter, ModelFormat, Runtime } from '../inference/types';
import type { OnnxModel } from '../runtime/onnx-runtime';
import { loadOnnxModel } from '../runtime/onnx-runtime';
import { mergeMatterportConfig } from '../adapters/matterport/config';
import { artifactsHandler, readGraphModelArtifacts } from './graph-model-files';
import { resolveLabels } from '../labels/resolve-labels';
import { readManifest } from './manifest';
import type { StorageLike } from './model-source';
import { fetchGcsModel, parseModelPath } from './model-source';
import { fetchPinnedModel } from './pinned-model';
import type { RunnableModel, TensorSpec } from './runnable-model';
import { normalizeTensorName, wrapGraphModel, wrapSavedModel } from './runnable-model';
import { tryLoadTfjsNode } from './tfjs-node';

/** ModelConfig's loading settings (optional here but MODEL_PATH), plus what only loading takes. */
export interface LoadModelOptions
  extends
    Pick<ModelConfig, 'modelPath'>,
    Partial<
      Pick<ModelConfig, 'modelAdapter' | 'modelLabels' | 'modelCacheDir' | 'ortIntraOpThreads'>
    > {
  /**
   * The TF.js backend, or how to select it (selectBackend): only called for
   * TF.js formats, so an ONNX model never initialises a TF.js backend.
   */
  backend: Backend | (() => Promise<Backend>);
  logger?: WorkerLogger;
  /** Cloud Storage client override (tests). */
  storage?: StorageLike;
  /** Cloud Storage client for a pinned manifest (tests); STORAGE_EMULATOR_HOST honoured otherwise. */
  pinnedStorage?: Storage;
}

export interface LoadedModel {
  model: RunnableModel | OnnxModel;
  info: ModelInfo;
  /** Local directory the model was read from. */
  dir: string;
  /** Parsed matterport-config.json beside the model, if any. */
  matterportConfig?: Record<string, unknown>;
  /** maskops.json `maxInputSide`, if set: overrides MAX_INPUT_SIDE for this model. */
  maxInputSide?: number;
}

export async function loadModel(options: LoadModelOptions): Promise<LoadedModel> {
  const location = parseModelPath(options.modelPath);
  const pinned =
    location.kind === 'manifest'
      ? await fetchPinnedModel(location, {
          cacheRoot: options.modelCacheDir,
          storage: options.pinnedStorage,
          logger: options.logger,
        })
      : undefined;
  if (
    pinned &&
    options.modelAdapter !== undefined &&
    options.modelAdapter !== pinned.manifest.adapter
  ) {
    throw modelAdapterMismatch(options.modelPath, pinned.manifest.adapter, {
      adapter: options.modelAdapter,
      forced: true,
    });
  }
  const localPath =
    location.kind === 'gcs'
      ? await fetchGcsModel(location, {
          cacheRoot: options.modelCacheDir,
          storage: options.storage,
          logger: options.logger,
        })
      : location.kind === 'local'
        ? location.path
        : (pinned?.path ?? '');
  const { dir, file, format } = await locateModelFile(localPath, options.modelPath);

  const onnx = format === ModelFormat.ONNX;
  const backend = onnx
    ? Backend.CPU
    : typeof options.backend === 'function'
      ? await options.backend()
      : options.backend;
  const model = onnx
    ? await loadOnnxModel(file, { intraOpThreads: options.ortIntraOpThreads ?? 1 })
    : format === ModelFormat.GRAPH_MODEL
      ? await loadGraph(file)
      : await loadSaved(dir, file);
  try {
    const adapter = onnx
      ? onnxAdapter(model, options.modelAdapter)
      : tfjsAdapter(model, options.modelAdapter);
    // The adapter the push opened it with: another one here is not the model that was checked.
    if (pinned && pinned.manifest.adapter !== adapter) {
      throw modelAdapterMismatch(options.modelPath, pinned.manifest.adapter, {
        adapter,
        forced: false,
      });
    }
    const manifest = await readManifest(dir);
    const matterportConfig =
      adapter === ModelAdapter.MATTERPORT ? await readMatterportConfig(dir) : undefined;
    const labels = await resolveLabels({
      adapter,
      modelDir: dir,
      labelsPath: options.modelLabels,
      ...(manifest?.labels ? { manifestLabels: manifest.labels } : {}),
      // Matterport's NUM_CLASSES counts the background (its COCO config: 81).
      ...(adapter === ModelAdapter.MATTERPORT
        ? { modelClassCount: mergeMatterportConfig(matterportConfig).NUM_CLASSES - 1 }
        : {}),
    });
    const info: ModelInfo = {
      name: manifest?.name ?? pinned?.manifest.name ?? basename(dir),
      adapter,
      format,
      runtime: model.runtime,
      backend,
      ...(model.runtime === Runtime.ONNXRUNTIME ? { threads: model.threads } : {}),
      workers: 1,
      classCount: labels.classCount,
      labels: labels.labels,
      labelsSource: { kind: labels.source, ...(labels.path ? { path: labels.path } : {}) },
      demo: manifest?.demo ?? false,
    };
    options.logger?.info('model loaded', {
      model: info.name,
      adapter,
      format,
      runtime: info.runtime,
      backend,
      ...(info.threads ? { threads: info.threads } : {}),
      labels: labels.source,
      ...(labels.path ? { labelsPath: labels.path } : {}),
      classCount: labels.classCount,
      dir,
    });
    return {
      model,
      info,
      dir,
      ...(matterportConfig ? { matterportConfig } : {}),
      ...(manifest?.maxInputSide !== undefined ? { maxInputSide: manifest.maxInputSide } : {}),
    };
  } catch (err) {
    model.dispose();
    throw err;
  }
}

/** ONNX graphs: torchvision is the one ONNX contract; MODEL_ADAPTER may only confirm it. */
function onnxAdapter(model: OnnxModel | RunnableModel, forced?: ModelAdapter): ModelAdapter {
  if (forced !== undefined && forced !== ModelAdapter.TORCHVISION) {
    throw modelInvalid(
      `MODEL_ADAPTER=${forced} needs a TF.js graph model or SavedModel, but MODEL_PATH is an ONNX graph (ONNX adapters: torchvision)`,
    );
  }
  if (!fitsTorchvision(model)) throw unknownOnnxContract(model);
  return ModelAdapter.TORCHVISION;
}

function tfjsAdapter(model: OnnxModel | RunnableModel, forced?: ModelAdapter): ModelAdapter {
  if (forced === ModelAdapter.TORCHVISION) {
    throw modelInvalid(
      'MODEL_ADAPTER=torchvision needs an ONNX graph (an .onnx file, or a directory holding model.onnx)',
    );
  }
  const adapter = forced ?? detectAdapter(model);
  requireTensors(model, adapter);
  return adapter;
}

async function locateModelFile(
  localPath: string,
  given: string,
): Promise<{ dir: string; file: string; format: ModelFormat }> {
  const kind = await pathKind(localPath);
  if (kind === 'missing') {
    throw modelNotFound(`MODEL_PATH ${given} does not exist`);
  }
  if (kind === 'file') {
    const name = basename(localPath);
    const format = name.endsWith('.pb')
      ? ModelFormat.SAVED_MODEL
      : name.endsWith('.onnx')
        ? ModelFormat.ONNX
        : ModelFormat.GRAPH_MODEL;
    return { dir: dirname(localPath), file: localPath, format };
  }
  for (const [name, format] of [
    ['model.json', ModelFormat.GRAPH_MODEL],
    ['saved_model.pb', ModelFormat.SAVED_MODEL],
    ['model.onnx', ModelFormat.ONNX],
  ] as const) {
    const file = join(localPath, name);
    if ((await pathKind(file)) === 'file') return { dir: localPath, file, format };
  }
  throw modelNotFound(
    `MODEL_PATH ${given} contains no model.json (TF.js graph model), saved_model.pb (TF SavedModel) or model.onnx (ONNX)`,
  );
}

async function pathKind(path: string): Promise<'file' | 'dir' | 'missing'> {
  try {
    return (await stat(path)).isDirectory() ? 'dir' : 'file';
  } catch {
    return 'missing';
  }
}

async function loadGraph(modelJsonPath: string): Promise<RunnableModel> {
  const artifacts = await readGraphModelArtifacts(modelJsonPath);
  try {
    return wrapGraphModel(await loadGraphModel(artifactsHandler(artifacts)));
  } catch (err) {
    throw modelInvalid(
      `${modelJsonPath} is not a loadable TF.js graph model: ${describeError(err)}`,
      { cause: err },
    );
  }
}

async function loadSaved(dir: string, file: string): Promise<RunnableModel> {
  const tfn = tryLoadTfjsNode();
  if (!tfn || !tf.findBackendFactory('tensorflow')) {
    throw modelInvalid(
      `${file} is a TF SavedModel, which needs @tensorflow/tfjs-node (not installed here); ` +
        `convert it with tensorflowjs_converter to a TF.js graph model to run it on wasm or cpu`,
    );
  }
  try {
    const metaGraphs = await tfn.node.getMetaGraphsFromSavedModel(dir);
    const serve = metaGraphs.find((m) => m.tags.includes('serve'));
    const signature = serve?.signatureDefs['serving_default'];
    if (!signature) throw new Error('no serve/serving_default signature');
    const specs = (entries: Record<string, { dtype?: string; shape?: number[] }>): TensorSpec[] =>
      Object.entries(entries).map(([key, info]) => ({
        name: normalizeTensorName(key),
        dtype: info.dtype,
        shape: info.shape,
      }));
    const model = await tfn.node.loadSavedModel(dir, ['serve'], 'serving_default');
    return wrapSavedModel(model, specs(signature.inputs), specs(signature.outputs));
  } catch (err) {
    throw modelInvalid(`${dir} is not a loadable SavedModel: ${describeError(err)}`, {
      cause: err,
    });
  }
}

async function readMatterportConfig(dir: string): Promise<Record<string, unknown> | undefined> {
  const path = join(dir, 'matterport-config.json');
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    return undefined;
  }
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw new Error('not a JSON object');
    }
    return value as Record<string, unknown>;
  } catch (err) {
    throw modelInvalid(`${path} is not a JSON object`, {
      cause: err,
    });
  }
}

/** The TF.js model of a load, or MODEL_INVALID when the format runs on another runtime. */
export function tfjsModel(loaded: LoadedModel): RunnableModel {
  if (loaded.model.runtime !== Runtime.TFJS) {
    throw modelInvalid(`${loaded.info.name} is not a TF.js model`);
  }
  return loaded.model;
}
