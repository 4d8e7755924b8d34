import { KubeConfig } from '@kubernetes/client-node';

/** Why a kubeconfig file cannot be used; the message never quotes the file's content. */
export class KubeconfigFileError extends Error {
  override readonly name = 'KubeconfigFileError';
}

const FILE_ERRORS: Record<string, string> = {
  ENOENT: 'no such file',
  EACCES: 'permission denied',
  EISDIR: 'a directory, not a file',
};

/**
 * Loads a kubeconfig and checks that its current context names a cluster with
 * a server and a user, so a broken `KUBECONFIG` stops the function at start
 * instead of rejecting every message later.
 */
export function loadKubeconfigFile(path: string): KubeConfig {
  const kc = new KubeConfig();
  try {
    kc.loadFromFile(path);
  } catch (err) {
    const e = err as NodeJS.ErrnoException;
    // Parser messages can quote the file (tokens); keep only their first line.
    const why =
      typeof e.code === 'string'
        ? (FILE_ERRORS[e.code] ?? e.code)
        : `not a kubeconfig: ${(e.message ?? '').split('\n')[0].slice(0, 150)}`;
    throw new KubeconfigFileError(`cannot load ${path} (${why})`);
  }
  const context = kc.getCurrentContext();
  if (!context || kc.getContextObject(context) === null) {
    throw new KubeconfigFileError(`${path} has no usable current-context`);
  }
  const cluster = kc.getCurrentCluster();
  if (!cluster?.server) {
    throw new KubeconfigFileError(`${path}: context "${context}" names no cluster with a server`);
  }
  if (kc.getCurrentUser() === null) {
    throw new KubeconfigFileError(`${path}: context "${context}" names no user`);
  }
  return kc;
}
