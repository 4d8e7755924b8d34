import { git } from './local-build-steps';

/**
 * The repository the CLIs build and tag from: the git top-level of `cwd` (`pnpm start`
 * runs at the root), or `cwd` itself outside a git checkout.
 */
export function repoRoot(cwd = process.cwd()): string {
  try {
    return git(cwd, ['rev-parse', '--show-toplevel']);
  } catch {
    return cwd;
  }
}
