import { SignatureType, type FunctionProcessOptions } from '@maskops/localcloud';
import { packageDir } from './package-dir';

/**
 * How Cloud Run runs the deployer: the built `@maskops/deployer-fn` package (its
 * `main`), target `onNewImage`, HTTP signature (as registered: it parses CloudEvents itself), configured by env only.
 */
export function deployerFunction(
  opts: Omit<FunctionProcessOptions, 'sourceDir' | 'target' | 'signatureType'>,
): FunctionProcessOptions {
  return {
    ...opts,
    sourceDir: packageDir('@maskops/deployer-fn'),
    target: 'onNewImage',
    signatureType: SignatureType.HTTP,
  };
}
