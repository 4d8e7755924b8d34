import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs-core';
import type { InferenceApiError } from '../errors';
import { modelInvalid, modelNotFound } from '../errors';

/**
 * Reads a TF.js graph model (model.json + weight shards) from disk into
 * ModelArtifacts. `tf.loadGraphModel('file://…')` only works with tfjs-node, so
 * the shards are read here and handed over as one CompositeArrayBuffer
 * (an ArrayBuffer per shard, no concatenation copy).
 */
export async function readGraphModelArtifacts(
  modelJsonPath: string,
): Promise<tf.io.ModelArtifacts> {
  let text: string;
  try {
    text = await readFile(modelJsonPath, 'utf8');
  } catch (err) {
    throw modelNotFound(`${modelJsonPath} cannot be read`, {
      cause: err,
    });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw invalid(modelJsonPath, 'is not valid JSON', err);
  }
  const modelJson = json as Partial<tf.io.ModelJSON>;
  if (typeof json !== 'object' || json === null || !modelJson.modelTopology) {
    throw invalid(modelJsonPath, 'has no modelTopology: not a TF.js model');
  }
  if (modelJson.format === 'layers-model') {
    throw invalid(modelJsonPath, 'is a TF.js Layers model; a graph model is required');
  }
  if (!Array.isArray(modelJson.weightsManifest)) {
    throw invalid(modelJsonPath, 'has no weightsManifest');
  }
  const dir = dirname(modelJsonPath);
  return tf.io.getModelArtifactsForJSON(modelJson as tf.io.ModelJSON, async (manifest) => {
    const specs: tf.io.WeightsManifestEntry[] = [];
    const shards: ArrayBuffer[] = [];
    for (const group of manifest) {
      specs.push(...group.weights);
      for (const path of group.paths) {
        let bytes: Buffer;
        try {
          bytes = await readFile(join(dir, path));
        } catch (err) {
          throw invalid(modelJsonPath, `names weight shard ${path}, which cannot be read`, err);
        }
        shards.push(toArrayBuffer(bytes));
      }
    }
    return [specs, shards];
  });
}

/** A handler for tf.loadGraphModel that serves already-read artifacts. */
export function artifactsHandler(artifacts: tf.io.ModelArtifacts): tf.io.IOHandler {
  return { load: () => Promise.resolve(artifacts) };
}

function toArrayBuffer(bytes: Buffer): ArrayBuffer {
  if (bytes.byteOffset === 0 && bytes.byteLength === bytes.buffer.byteLength) {
    return bytes.buffer as ArrayBuffer;
  }
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
}

function invalid(path: string, problem: string, cause?: unknown): InferenceApiError {
  return modelInvalid(`${path} ${problem}`, { cause });
}
