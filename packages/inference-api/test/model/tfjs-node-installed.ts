import { existsSync, realpathSync } from 'node:fs';
import { join } from 'node:path';

/**
 * tfjs-node is an optional dependency whose install fails on machines without
 * libtensorflow; there its node_modules link dangles. Tests whose expectation
 * depends on it ask here.
 */
export function tfjsNodeInstalled(): boolean {
  const link = join(__dirname, '..', '..', 'node_modules', '@tensorflow', 'tfjs-node');
  try {
    return existsSync(join(realpathSync(link), 'package.json'));
  } catch {
    return false;
  }
}
