/**
 * The demo "shapes" models and their painter, for inference-api's build, tests and
 * benches and for e2e. Never imported by a server's `src`.
 */
export {
  DEMO_ONNX_VARIANTS,
  DEMO_VARIANTS,
  DemoBehaviour,
  ONNX_MODEL_FILE,
  generateDemoModels,
} from './generate';
export type { DemoOnnxVariantDir, DemoVariantDir } from './generate';
export { encodeShapesImage, paintShapes } from './paint-shapes';
// The ONNX writer behind the demo graph, for inference-api's runtime bench (onnx-proto stays here).
export { OnnxBuilder, OnnxType } from './onnx-builder';
export type { Dim, OnnxAttr } from './onnx-builder';
export type { ImageFormat, PaintOptions, PaintedImage, PaintedShape } from './paint-shapes';
export { PALETTE_COLOURS, isFarFromPalette } from './palette';
export { paintRingCase } from './ring-case';
export type { RingCase } from './ring-case';
export { runSweep } from './run-sweep';
export type { SweepOptions } from './run-sweep';
export { sweepCase } from './sweep-cases';
export type { SweepCase } from './sweep-cases';
export type { PaletteColour, Rgb, ShapeClassId, ShapeLabel } from './palette';
export { MIN_SHAPE_IOU, describeShapeMismatch, maskIou } from './shape-match';
export type { FoundInstance } from './shape-match';
