import { join } from 'node:path';
import { packageDir } from './package-dir';

/** The demo shape painter: images whose instance count the demo model gets right. */
export interface Painter {
  paintShapes(o: { width: number; height: number; seed: number; count?: number }): {
    shapes: unknown[];
  };
  encodeShapesImage(p: unknown, format: 'jpeg' | 'png'): Promise<Buffer>;
}

/**
 * The only place e2e reaches into a package's build by path: the painter ships with
 * inference-api's build for now (dist/demo-model). When it moves to
 * `@maskops/demo-model`, this becomes `require('@maskops/demo-model')`.
 */
export function loadPainter(): Painter {
  const file = join(packageDir('@maskops/inference-api'), 'dist', 'demo-model', 'paint-shapes.js');
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require(file) as Painter;
}
