import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { InferenceApiError } from '../errors';
import { modelInvalid } from '../errors';
import { labelsFromObject, type LabelMap } from '../labels/label-file';

/** `maskops.json` beside a model: its display name, demo flag, label map and input cap. */
export interface ModelManifest {
  name?: string;
  demo?: boolean;
  description?: string;
  /** Checked as strictly as a labels file (labels/label-file.ts). */
  labels?: LabelMap;
  /** Overrides MAX_INPUT_SIDE for this model (tf-od-api; Matterport uses IMAGE_MAX_DIM). */
  maxInputSide?: number;
}

/** Reads maskops.json from a model directory; undefined when there is none. */
export async function readManifest(modelDir: string): Promise<ModelManifest | undefined> {
  const path = join(modelDir, 'maskops.json');
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw invalid(path, 'cannot be read', err);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw invalid(path, 'is not valid JSON', err);
  }
  if (!isRecord(value)) throw invalid(path, 'must be a JSON object');
  const { name, demo, description, labels, maxInputSide } = value;
  if (name !== undefined && typeof name !== 'string')
    throw invalid(path, '"name" must be a string');
  if (demo !== undefined && typeof demo !== 'boolean')
    throw invalid(path, '"demo" must be a boolean');
  if (labels !== undefined && !isRecord(labels)) throw invalid(path, '"labels" must be an object');
  if (
    maxInputSide !== undefined &&
    !(Number.isSafeInteger(maxInputSide) && Number(maxInputSide) >= 1)
  )
    throw invalid(path, '"maxInputSide" must be an integer ≥ 1');
  return {
    name,
    demo,
    description: typeof description === 'string' ? description : undefined,
    ...(labels !== undefined ? { labels: labelsFromObject(labels, path, text) } : {}),
    ...(maxInputSide !== undefined ? { maxInputSide: maxInputSide as number } : {}),
  };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function invalid(source: string, problem: string, cause?: unknown): InferenceApiError {
  return modelInvalid(`${source} ${problem}`, { cause });
}
