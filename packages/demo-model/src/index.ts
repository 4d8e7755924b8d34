/**
 * The demo "shapes" models and their painter, for inference-api's build, tests and
 * benches and for e2e. Never imported by a server's `src`.
 */
export { DEMO_VARIANTS, generateDemoModels } from './generate';
export type { DemoVariantDir } from './generate';
export { encodeShapesImage, paintShapes } from './paint-shapes';
export type { ImageFormat, PaintOptions, PaintedImage, PaintedShape } from './paint-shapes';
export { PALETTE_COLOURS, isFarFromPalette } from './palette';
export type { PaletteColour, Rgb, ShapeClassId, ShapeLabel } from './palette';
