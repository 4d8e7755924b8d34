/**
 * The two programs the setup.sh suites run for real: gcloud, and a kubectl new enough
 * for setup.sh's kustomize (`components:` needs 1.21+; the product is tested on 1.32+).
 * Looked up on PATH, once per suite.
 */
import { spawnSync } from 'node:child_process';
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';

const KUBECTL_MIN_MINOR = 32;

/** Empty when both are there; else what is missing, in one line. */
export interface SetupShTooling {
  missing?: string;
}

function onPath(name: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    if (dir === '') continue;
    const file = join(dir, name);
    try {
      accessSync(file, constants.X_OK);
      return file;
    } catch {
      // Not here: the next directory.
    }
  }
  return undefined;
}

function kubectlMinor(kubectl: string): number {
  const out = spawnSync(kubectl, ['version', '--client', '-o', 'json'], { encoding: 'utf8' });
  try {
    const parsed = JSON.parse(out.stdout) as { clientVersion?: { minor?: string } };
    return Number.parseInt(parsed.clientVersion?.minor ?? '', 10) || 0;
  } catch {
    return 0;
  }
}

export function findSetupShTooling(): SetupShTooling {
  if (onPath('gcloud') === undefined)
    return { missing: 'gcloud (google-cloud-cli) is not on PATH' };
  const kubectl = onPath('kubectl');
  if (kubectl === undefined) return { missing: 'kubectl is not on PATH' };
  const minor = kubectlMinor(kubectl);
  if (minor < KUBECTL_MIN_MINOR) {
    return { missing: `kubectl 1.${KUBECTL_MIN_MINOR}+ is needed, ${kubectl} is 1.${minor}` };
  }
  return {};
}
