import { dirname } from 'node:path';

/**
 * The directory of a workspace package, found by its name as Node resolves it (every
 * package exports `./package.json`), never by a path into the repository.
 */
export function packageDir(name: string): string {
  return dirname(require.resolve(`${name}/package.json`));
}
