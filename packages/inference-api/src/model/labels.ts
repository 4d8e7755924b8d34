import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { InferenceApiError } from '../errors';
import { modelInvalid, modelNotFound } from '../errors';
import { ModelAdapter } from '../inference/types';
import { COCO_LABEL_MAP, MATTERPORT_COCO_CLASSES } from './coco-labels';

/** `maskops.json` beside a model: its display name, demo flag, label map and input cap. */
export interface ModelManifest {
  name?: string;
  demo?: boolean;
  description?: string;
  labels?: Record<string, string>;
  /** Overrides MAX_INPUT_SIDE for this model (tf-od-api; Matterport uses IMAGE_MAX_DIM). */
  maxInputSide?: number;
}

const LabelSource = {
  MODEL_LABELS: 'MODEL_LABELS',
  MANIFEST: 'maskops.json',
  COCO: 'coco',
  MATTERPORT_COCO: 'matterport-coco',
} as const;
type LabelSource = (typeof LabelSource)[keyof typeof LabelSource];

export interface LabelSet {
  /** Index = classId; index 0 is background; ids without a name get `class <id>`. */
  labels: string[];
  /** Number of named (non-background) classes. */
  classCount: number;
  source: LabelSource;
}

const BACKGROUND_NAMES = new Set(['bg', 'background', '__background__']);

/**
 * Labels precedence: MODEL_LABELS file > maskops.json beside the model >
 * the built-in COCO map of the adapter (90 sparse ids for tf-od-api, Matterport's
 * 81 contiguous classes for matterport).
 */
export async function resolveLabels(opts: {
  adapter: ModelAdapter;
  manifest?: ModelManifest;
  labelsPath?: string;
}): Promise<LabelSet> {
  if (opts.labelsPath) {
    let text: string;
    try {
      text = await readFile(opts.labelsPath, 'utf8');
    } catch (err) {
      throw modelNotFound(`MODEL_LABELS file ${opts.labelsPath} cannot be read`, { cause: err });
    }
    return toLabelSet(
      parseLabels(text, `MODEL_LABELS file ${opts.labelsPath}`),
      LabelSource.MODEL_LABELS,
    );
  }
  if (opts.manifest?.labels) {
    return toLabelSet(fromObject(opts.manifest.labels, 'maskops.json'), LabelSource.MANIFEST);
  }
  if (opts.adapter === ModelAdapter.MATTERPORT) {
    return toLabelSet(
      new Map(MATTERPORT_COCO_CLASSES.map((name, id) => [id, name])),
      LabelSource.MATTERPORT_COCO,
    );
  }
  return toLabelSet(
    new Map(Object.entries(COCO_LABEL_MAP).map(([id, name]) => [Number(id), name])),
    LabelSource.COCO,
  );
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
    labels: labels as Record<string, string> | undefined,
    ...(maxInputSide !== undefined ? { maxInputSide: maxInputSide as number } : {}),
  };
}

/**
 * A labels file is one of: JSON `{ "1": "person", … }` (or a JSON array indexed by
 * id), a TF Object Detection API pbtxt label map (`item { id: 1 display_name: 'person' }`,
 * display_name preferred over name), or plain text with one name per line. In
 * text, blank lines are skipped and the first name is id 1 unless it is a
 * background name (BG, background, __background__), which makes the list 0-based.
 */
export function parseLabels(text: string, source: string): Map<number, string> {
  const trimmed = text.trim();
  if (trimmed.startsWith('{') || trimmed.startsWith('[')) {
    let value: unknown;
    try {
      value = JSON.parse(trimmed);
    } catch (err) {
      throw invalid(source, 'looks like JSON but does not parse', err);
    }
    if (Array.isArray(value)) {
      return fromObject(Object.fromEntries(value.map((v, i) => [String(i), v])), source);
    }
    if (isRecord(value) && isRecord(value.labels)) return fromObject(value.labels, source);
    if (isRecord(value)) return fromObject(value, source);
  }
  if (/\bitem\s*\{/.test(trimmed)) return parsePbtxt(trimmed, source);
  const lines = trimmed
    .split(/\r?\n/)
    .map((l) => l.trim())
    .filter((l) => l.length > 0);
  if (lines.length === 0) throw invalid(source, 'contains no labels');
  const first = BACKGROUND_NAMES.has(lines[0].toLowerCase()) ? 0 : 1;
  return new Map(lines.map((name, i) => [i + first, name]));
}

function parsePbtxt(text: string, source: string): Map<number, string> {
  const map = new Map<number, string>();
  for (const item of text.matchAll(/item\s*\{([^}]*)\}/g)) {
    const body = item[1];
    const id = /\bid\s*:\s*(\d+)/.exec(body)?.[1];
    const display = /\bdisplay_name\s*:\s*(?:"([^"]*)"|'([^']*)')/.exec(body);
    const name = /\bname\s*:\s*(?:"([^"]*)"|'([^']*)')/.exec(body.replace(/display_name/g, ''));
    const label = display ? (display[1] ?? display[2]) : name ? (name[1] ?? name[2]) : undefined;
    if (id === undefined || label === undefined) {
      throw invalid(source, `has a label map item without id or name: item {${body.trim()}}`);
    }
    map.set(Number(id), label);
  }
  if (map.size === 0) throw invalid(source, 'contains no label map items');
  return map;
}

function fromObject(obj: Record<string, unknown>, source: string): Map<number, string> {
  const map = new Map<number, string>();
  for (const [key, value] of Object.entries(obj)) {
    const id = Number(key);
    if (!Number.isInteger(id) || id < 0 || typeof value !== 'string') {
      throw invalid(
        source,
        `has an invalid entry ${JSON.stringify(key)}: ${JSON.stringify(value)}`,
      );
    }
    map.set(id, value);
  }
  if (map.size === 0) throw invalid(source, 'contains no labels');
  return map;
}

function toLabelSet(map: Map<number, string>, source: LabelSource): LabelSet {
  const maxId = Math.max(0, ...map.keys());
  const labels: string[] = [];
  for (let id = 0; id <= maxId; id++) {
    labels.push(map.get(id) ?? (id === 0 ? 'background' : `class ${id}`));
  }
  const classCount = [...map.keys()].filter((id) => id > 0).length;
  return { labels, classCount, source };
}

/** The label of a class id, also for ids beyond the label list. */
export function labelOf(labels: readonly string[], classId: number): string {
  return labels[classId] ?? `class ${classId}`;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function invalid(source: string, problem: string, cause?: unknown): InferenceApiError {
  return modelInvalid(`${source} ${problem}`, { cause });
}
