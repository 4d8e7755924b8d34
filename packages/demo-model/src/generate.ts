/**
 * Builds and writes the demo "shapes" models (see this package's README):
 * two TF.js graph models, one per TF adapter contract, and an ONNX model in the
 * torchvision contract. Deterministic: the same bytes on
 * every run. The tensor names, the maskops.json shape and the Matterport config keys
 * written here are the model contract, owned by this package; inference-api's tests run
 * these files through its real loader and adapters, which is what keeps both sides equal.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { DemoGraph } from './demo-graph';
import {
  buildMatterportGraph,
  MATTERPORT_MASK_SIZE,
  MATTERPORT_MEAN_PIXEL,
  MATTERPORT_NUM_CLASSES,
} from './matterport-graph';
import { SHAPE_LABELS } from './palette';
import { SLOTS } from './shape-detector-graph';
import { DEMO_SCORE, TF_OD_API_MASK_SIZE, buildTfOdApiGraph } from './tf-od-api-graph';
import { buildTorchvisionGraph } from './torchvision-graph';

/** The TF.js variants: folder → adapter. */
export const DEMO_VARIANTS = {
  'shapes-tf-od-api': 'tf-od-api',
  'shapes-matterport': 'matterport',
} as const;
export type DemoVariantDir = keyof typeof DEMO_VARIANTS;

/** The ONNX variants (run by ONNX Runtime, not TF.js): folder → adapter. */
export const DEMO_ONNX_VARIANTS = { 'shapes-torchvision': 'torchvision' } as const;
export type DemoOnnxVariantDir = keyof typeof DEMO_ONNX_VARIANTS;
export const ONNX_MODEL_FILE = 'model.onnx';

export const WEIGHTS_FILE = 'group1-shard1of1.bin';

/**
 * What the generated models do, chosen at build time (`--behaviour`, env
 * `DEMO_MODEL_BEHAVIOUR`): `shapes` finds every painted shape with score 0.99; `empty`
 * is a deliberately broken build for the canary demo — the same graphs, but every
 * score collapses to 0.01, below any sensible `min_score`, so the service finds nothing
 * while staying healthy and fast (only its behaviour gives it away).
 */
export const DemoBehaviour = { SHAPES: 'shapes', EMPTY: 'empty' } as const;
export type DemoBehaviour = (typeof DemoBehaviour)[keyof typeof DemoBehaviour];
const BEHAVIOUR_SCORE: Readonly<Record<DemoBehaviour, number>> = {
  shapes: DEMO_SCORE,
  empty: 0.01,
};

/** Matterport config overrides for the demo (the rest are Matterport's COCO defaults). */
const DEMO_MATTERPORT_CONFIG = {
  NAME: 'shapes-demo',
  NUM_CLASSES: MATTERPORT_NUM_CLASSES,
  DETECTION_MAX_INSTANCES: SLOTS,
  IMAGE_RESIZE_MODE: 'square',
  IMAGE_MIN_DIM: 800,
  IMAGE_MAX_DIM: 1024,
  MEAN_PIXEL: [...MATTERPORT_MEAN_PIXEL],
  MASK_SHAPE: [MATTERPORT_MASK_SIZE, MATTERPORT_MASK_SIZE],
} as const;

export interface GeneratedFile {
  /** Path relative to the output folder, with forward slashes. */
  path: string;
  bytes: Buffer;
}

function json(value: unknown): Buffer {
  return Buffer.from(`${JSON.stringify(value, null, 1)}\n`, 'utf8');
}

function shapeOf(dims: readonly number[]): { dim: Array<{ size: string }> } {
  return { dim: dims.map((d) => ({ size: String(d) })) };
}

function modelJson(demo: DemoGraph, outputShapes: Record<string, number[]>): Buffer {
  const { graph } = demo;
  return json({
    format: 'graph-model',
    generatedBy: 'maskops demo-model generator',
    convertedBy: 'maskops @maskops/demo-model',
    signature: {
      inputs: Object.fromEntries(
        Object.entries(demo.inputs).map(([name, spec]) => [
          name,
          { name: `${name}:0`, dtype: spec.dtype, tensorShape: shapeOf(spec.shape) },
        ]),
      ),
      outputs: Object.fromEntries(
        demo.outputs.map((name) => [
          name,
          { name: `${name}:0`, dtype: 'DT_FLOAT', tensorShape: shapeOf(outputShapes[name] ?? []) },
        ]),
      ),
    },
    modelTopology: { node: graph.nodes, library: {}, versions: { producer: 1 } },
    weightsManifest: [{ paths: [WEIGHTS_FILE], weights: graph.weightSpecs }],
  });
}

function maskopsJson(variant: string, behaviour: DemoBehaviour): Buffer {
  const suffix = behaviour === DemoBehaviour.SHAPES ? '' : `-${behaviour}`;
  return json({
    name: `maskops-shapes-demo-${variant}${suffix}`,
    demo: true,
    description:
      'Generated demo model: finds solid palette-coloured squares, circles and triangles. Not a trained network.',
    labels: SHAPE_LABELS,
  });
}

/** Every file of every variant, in a fixed order. */
export function buildDemoModelFiles(
  behaviour: DemoBehaviour = DemoBehaviour.SHAPES,
): GeneratedFile[] {
  const score = BEHAVIOUR_SCORE[behaviour];
  const tf = buildTfOdApiGraph(score);
  const mp = buildMatterportGraph(score);
  const n = SLOTS;
  const tfDir: DemoVariantDir = 'shapes-tf-od-api';
  const mpDir: DemoVariantDir = 'shapes-matterport';
  const tvDir: DemoOnnxVariantDir = 'shapes-torchvision';
  return [
    {
      path: `${tfDir}/model.json`,
      bytes: modelJson(tf, {
        detection_boxes: [1, n, 4],
        detection_classes: [1, n],
        detection_masks: [1, n, TF_OD_API_MASK_SIZE, TF_OD_API_MASK_SIZE],
        detection_scores: [1, n],
        num_detections: [1],
      }),
    },
    { path: `${tfDir}/${WEIGHTS_FILE}`, bytes: tf.graph.weightData },
    { path: `${tfDir}/maskops.json`, bytes: maskopsJson(DEMO_VARIANTS[tfDir], behaviour) },
    {
      path: `${mpDir}/model.json`,
      bytes: modelJson(mp, {
        mrcnn_detection: [1, n, 6],
        mrcnn_mask: [1, n, MATTERPORT_MASK_SIZE, MATTERPORT_MASK_SIZE, MATTERPORT_NUM_CLASSES],
      }),
    },
    { path: `${mpDir}/${WEIGHTS_FILE}`, bytes: mp.graph.weightData },
    { path: `${mpDir}/maskops.json`, bytes: maskopsJson(DEMO_VARIANTS[mpDir], behaviour) },
    { path: `${mpDir}/matterport-config.json`, bytes: json(DEMO_MATTERPORT_CONFIG) },
    { path: `${tvDir}/${ONNX_MODEL_FILE}`, bytes: buildTorchvisionGraph(score) },
    { path: `${tvDir}/maskops.json`, bytes: maskopsJson(DEMO_ONNX_VARIANTS[tvDir], behaviour) },
  ];
}

/** Writes every file under `outDir` (created as needed), one `log` line per file. */
export function generateDemoModels(
  outDir: string,
  log: (line: string) => void = () => undefined,
  behaviour: DemoBehaviour = DemoBehaviour.SHAPES,
): GeneratedFile[] {
  const files = buildDemoModelFiles(behaviour);
  for (const file of files) {
    const target = join(outDir, file.path);
    mkdirSync(join(target, '..'), { recursive: true });
    writeFileSync(target, file.bytes);
    const shown = relative(process.cwd(), target);
    log(
      `demo-model: wrote ${shown.startsWith('..') ? target : shown} (${file.bytes.length} bytes)`,
    );
  }
  return files;
}
