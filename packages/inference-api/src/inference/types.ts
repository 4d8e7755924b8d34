/**
 * The contract between the model half (inference/, model/, adapters/, masks/,
 * images/) and the serving half (app.ts, routes/, plugins/) of inference-api.
 * JSON shapes follow the /predict answer in packages/inference-api/README.md exactly.
 */
import type { OutputStats } from '../adapters/detections';
import type { ImageProbe } from '../images/probe';
import type { LabelMap } from '../labels/label-file';
import type { LabelSource } from '../labels/resolve-labels';

export const ModelAdapter = {
  TF_OD_API: 'tf-od-api',
  MATTERPORT: 'matterport',
  TORCHVISION: 'torchvision',
} as const;
export type ModelAdapter = (typeof ModelAdapter)[keyof typeof ModelAdapter];

export const ModelFormat = {
  GRAPH_MODEL: 'tfjs-graph-model',
  SAVED_MODEL: 'saved-model',
  ONNX: 'onnx',
} as const;
export type ModelFormat = (typeof ModelFormat)[keyof typeof ModelFormat];

export const Backend = { TENSORFLOW: 'tensorflow', WASM: 'wasm', CPU: 'cpu' } as const;
export type Backend = (typeof Backend)[keyof typeof Backend];

/** What executes the graph; follows the model format (.onnx → ONNX Runtime, else TF.js). */
export const Runtime = { TFJS: 'tfjs', ONNXRUNTIME: 'onnxruntime' } as const;
export type Runtime = (typeof Runtime)[keyof typeof Runtime];

/** COCO compressed RLE, pycocotools-compatible (column-major, rleToString). */
export interface RleMask {
  size: [height: number, width: number];
  counts: string;
}

export interface Instance {
  classId: number;
  label: string;
  score: number;
  /** [x, y, width, height] in pixels of the original (EXIF-rotated) image. */
  bbox: [number, number, number, number];
  mask: RleMask;
}

export interface StageTimings {
  decodeMs: number;
  preprocessMs: number;
  inferMs: number;
  postprocessMs: number;
}

export interface ModelInfo {
  name: string;
  adapter: ModelAdapter;
  format: ModelFormat;
  runtime: Runtime;
  /** TF.js backend, or ONNX Runtime's execution provider (`cpu`). */
  backend: Backend;
  /** ONNX Runtime intra-op threads per worker; absent under TF.js (its backend decides). */
  threads?: number;
  /** Inference worker threads, each holding its own copy of the model. */
  workers: number;
  classCount: number;
  /** Class id → name (labels/label-file.ts); ids it lacks are reported as numbers. */
  labels: LabelMap;
  /** Where the labels came from: MODEL_LABELS, labels.txt, maskops.json, coco or none. */
  labelsSource: { kind: LabelSource; path?: string };
  /** True for the generated demo "shapes" model. */
  demo: boolean;
}

export interface PredictOptions {
  /** Instances scoring below this are dropped. 0..1 */
  minScore: number;
  /** Also return the image with masks, boxes and labels drawn, as PNG bytes. */
  overlay?: boolean;
  /**
   * The image's header as the caller read it (probeImage; the route does before the
   * queue): the worker does not read it again, only checks the bytes against it.
   */
  probe: ImageProbe;
}

export interface Prediction {
  image: { width: number; height: number };
  instances: Instance[];
  timings: StageTimings;
  /** What was dropped or cut from the model's raw outputs (adapters/detections.ts). */
  outputs: OutputStats;
  /** PNG bytes, present when PredictOptions.overlay was set. */
  overlayPng?: Uint8Array;
  /**
   * Overlay size / original size, present only when the overlay was drawn
   * scaled down (the original's longest side exceeds MAX_OVERLAY_SIDE).
   */
  overlayScale?: number;
}

/**
 * A loaded, warmed model running off the event loop (worker thread). One
 * predict() at a time is executed by the engine; callers queue in front of it.
 */
export interface InferenceEngine {
  readonly info: ModelInfo;
  /** Time spent loading and warming, for /metrics. */
  readonly loadMs: number;
  readonly warmupMs: number;
  predict(image: Uint8Array, options: PredictOptions): Promise<Prediction>;
  /**
   * Live tensors in the worker (tests check it returns to its start value): TF.js's
   * tensor count, or under ONNX Runtime the run outputs not yet released (0 at rest).
   * With several workers, the sum over them.
   */
  numTensors(): Promise<number>;
  close(): Promise<void>;
}
