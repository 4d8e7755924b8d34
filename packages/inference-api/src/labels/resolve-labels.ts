import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { labelsInvalid } from '../errors';
import { ModelAdapter } from '../inference/types';
import { COCO_LABEL_MAP, MATTERPORT_COCO_CLASSES } from './coco-labels';
import { parseLabelFile, type LabelMap } from './label-file';

/** Where a model's labels came from (reported by /v1/info and the start log). */
export const LabelSource = {
  /** The file MODEL_LABELS names. */
  MODEL_LABELS: 'MODEL_LABELS',
  /** `labels.txt` in the model's folder (beside model.onnx / model.json, local or gs://). */
  LABELS_TXT: 'labels.txt',
  /** The `labels` of maskops.json beside the model. */
  MANIFEST: 'maskops.json',
  /** The built-in COCO names, for a model whose class count fits COCO. */
  COCO: 'coco',
  /** None: ids are reported as numbers. */
  NONE: 'none',
} as const;
export type LabelSource = (typeof LabelSource)[keyof typeof LabelSource];

export interface LabelSet {
  labels: LabelMap;
  /** Number of named (non-background) classes. */
  classCount: number;
  source: LabelSource;
  /** The file read, for MODEL_LABELS and labels.txt. */
  path?: string;
}

/** The labels file looked for in the model's folder. */
const LABELS_FILE = 'labels.txt';
/** Class counts of COCO-trained models: 80 categories, or their 90/91 sparse ids. */
const COCO_CLASS_COUNTS: ReadonlySet<number> = new Set([80, 90, 91]);

/**
 * Precedence: MODEL_LABELS > `labels.txt` in the model folder > maskops.json
 * `labels` > the built-in COCO names, only when the model's class count is unknown
 * (tf-od-api and torchvision outputs carry none; their stock models are COCO's) or
 * fits COCO; otherwise no names at all, and ids are reported as numbers.
 * A file that is there but wrong is LABELS_INVALID (exit 78), never skipped.
 */
export async function resolveLabels(opts: {
  adapter: ModelAdapter;
  /** The local folder the model was read from (a gs:// model's download). */
  modelDir: string;
  /** maskops.json `labels`, already checked (model/manifest.ts). */
  manifestLabels?: LabelMap;
  labelsPath?: string;
  /** The model's own class count without background, when its outputs tell (Matterport). */
  modelClassCount?: number;
}): Promise<LabelSet> {
  if (opts.labelsPath) {
    const text = await readLabels(opts.labelsPath, true);
    return labelSet(
      parseLabelFile(text!, opts.labelsPath),
      LabelSource.MODEL_LABELS,
      opts.labelsPath,
    );
  }
  const beside = join(opts.modelDir, LABELS_FILE);
  const text = await readLabels(beside, false);
  if (text !== undefined)
    return labelSet(parseLabelFile(text, beside), LabelSource.LABELS_TXT, beside);
  if (opts.manifestLabels) return labelSet(opts.manifestLabels, LabelSource.MANIFEST);
  const count = opts.modelClassCount;
  if (count !== undefined && !COCO_CLASS_COUNTS.has(count))
    return labelSet(new Map(), LabelSource.NONE);
  return labelSet(
    opts.adapter === ModelAdapter.MATTERPORT && count === 80
      ? new Map(MATTERPORT_COCO_CLASSES.map((name, id) => [id, name]))
      : new Map(Object.entries(COCO_LABEL_MAP).map(([id, name]) => [Number(id), name])),
    LabelSource.COCO,
  );
}

async function readLabels(path: string, required: boolean): Promise<string | undefined> {
  try {
    return await readFile(path, 'utf8');
  } catch (err) {
    if (!required && (err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw labelsInvalid(
      path,
      0,
      `cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'})`,
      err,
    );
  }
}

function labelSet(labels: LabelMap, source: LabelSource, path?: string): LabelSet {
  const classCount = [...labels.keys()].filter((id) => id > 0).length;
  return { labels, classCount, source, ...(path ? { path } : {}) };
}
