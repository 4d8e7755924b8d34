/**
 * The demo "shapes" model's contract (this package's README, "What the models find"): the
 * palette it recognises, the colour tolerance and the fill-ratio classes.
 */

export type Rgb = readonly [r: number, g: number, b: number];

/** In the contract's order; the model's per-colour slots follow this order. */
export const PALETTE = {
  red: [230, 25, 75],
  green: [60, 180, 75],
  blue: [0, 130, 200],
  yellow: [255, 225, 25],
  orange: [245, 130, 48],
  purple: [145, 30, 180],
  cyan: [70, 240, 240],
  magenta: [240, 50, 230],
} as const satisfies Record<string, Rgb>;
export type PaletteColour = keyof typeof PALETTE;
export const PALETTE_COLOURS = Object.keys(PALETTE) as PaletteColour[];

/** A pixel matches a colour when every channel is within this distance. */
export const COLOUR_TOLERANCE = 24;

export const SHAPE_CLASSES = { square: 1, circle: 2, triangle: 3 } as const;
export type ShapeLabel = keyof typeof SHAPE_CLASSES;
export type ShapeClassId = (typeof SHAPE_CLASSES)[ShapeLabel];
export const SHAPE_LABELS: Record<ShapeClassId, ShapeLabel> = {
  1: 'square',
  2: 'circle',
  3: 'triangle',
};

/** Fill ratio (mask area / box area) at or above which a shape is a square, a circle. */
export const SQUARE_MIN_FILL = 0.9;
export const CIRCLE_MIN_FILL = 0.65;

/**
 * A colour region thinner than this (pixels, in the image the graph sees) is a
 * blended edge, not a shape: the graph removes it before finding boxes.
 */
export const MIN_SHAPE_THICKNESS = 3;

/** Fewer matching pixels than this is a speck, not a shape. */
export const MIN_SHAPE_PIXELS = 16;

/** True when `rgb` would be taken for a palette colour (all channels within the tolerance). */
export function matchesPalette(rgb: Rgb): PaletteColour | undefined {
  return PALETTE_COLOURS.find((name) =>
    PALETTE[name].every((v, c) => Math.abs(v - rgb[c]) <= COLOUR_TOLERANCE),
  );
}

/**
 * True when `rgb` is more than COLOUR_TOLERANCE + `margin` away (on some channel)
 * from every palette colour: a background that stays clear of the palette even
 * after `margin` levels of encoding noise.
 */
export function isFarFromPalette(rgb: Rgb, margin: number): boolean {
  return PALETTE_COLOURS.every((name) =>
    PALETTE[name].some((v, c) => Math.abs(v - rgb[c]) > COLOUR_TOLERANCE + margin),
  );
}
