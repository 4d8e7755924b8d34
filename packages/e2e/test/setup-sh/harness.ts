/**
 * Runs infra/gcp/setup.sh offline: the real gcloud and kubectl against localcloud's
 * REST and Kubernetes stand-ins, in a copy of infra/ (setup.sh writes .build/ beside it).
 * On PATH first: a `node` that stages a tiny function source instead of the real
 * staging (stage-function.mjs has tests of its own), the GKE auth plugin kubectl's
 * kubeconfig calls (it prints the stand-in's token). kubectl is the one on PATH,
 * unwrapped: it validates what it applies through the stand-in (fieldValidation=Strict).
 */
import { spawn } from 'node:child_process';
import { chmodSync, cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startGoogleApis, startKubeApi } from '@maskops/localcloud';
import type { GoogleApisServer, KubeApiServer } from '@maskops/localcloud';
import { root } from '../helpers/infra-files';
import { findSetupShTooling } from './tooling';

export interface SetupRun {
  status: number | null;
  output: string;
}

export interface SetupHarness {
  google: GoogleApisServer;
  kube: KubeApiServer;
  run(args: string[]): Promise<SetupRun>;
  close(): Promise<void>;
}

const script = (text: string): string => `#!/bin/sh\n${text}\n`;

export async function startSetupHarness(): Promise<SetupHarness> {
  const tooling = findSetupShTooling();
  if (tooling.missing !== undefined) throw new Error(`setup.sh harness: ${tooling.missing}`);
  const kube = await startKubeApi();
  const google = await startGoogleApis({ kube: { endpoint: kube.endpoint, caPem: kube.caPem } });
  const dir = mkdtempSync(join(tmpdir(), 'setup-sh-'));
  const copy = join(dir, 'repo');
  cpSync(join(root, 'infra'), join(copy, 'infra'), { recursive: true });
  cpSync(join(root, 'cloudbuild.yaml'), join(copy, 'cloudbuild.yaml'));
  const staged = join(dir, 'staged');
  mkdirSync(staged);
  writeFileSync(join(staged, 'package.json'), '{"name":"deployer-fn","main":"index.js"}\n');
  writeFileSync(join(staged, 'index.js'), 'exports.onNewImage = () => undefined;\n');
  const bin = join(dir, 'bin');
  mkdirSync(bin);
  const shims: Record<string, string> = {
    node: `case "$1" in *stage-function.mjs) rm -rf "$2"; cp -r '${staged}' "$2"; exit 0;; esac\nexec '${process.execPath}' "$@"`,
    'gke-gcloud-auth-plugin': `printf '{"kind":"ExecCredential","apiVersion":"client.authentication.k8s.io/v1beta1","status":{"token":"%s"}}\\n' "$LOCALCLOUD_KUBE_TOKEN"`,
  };
  for (const [name, text] of Object.entries(shims)) {
    writeFileSync(join(bin, name), script(text));
    chmodSync(join(bin, name), 0o755);
  }
  const config = join(dir, 'gcloud');
  mkdirSync(config);
  const env = {
    ...process.env,
    ...google.gcloudEnv(config),
    KUBECONFIG: join(dir, 'kubeconfig'),
    LOCALCLOUD_KUBE_TOKEN: kube.token,
    PATH: `${bin}:${process.env.PATH ?? ''}`,
  };
  return {
    google,
    kube,
    run: (args) =>
      new Promise((resolve) => {
        const child = spawn('bash', [join(copy, 'infra', 'gcp', 'setup.sh'), ...args], { env });
        let output = '';
        child.stdout.on('data', (d: Buffer) => (output += d.toString()));
        child.stderr.on('data', (d: Buffer) => (output += d.toString()));
        child.on('close', (status) => resolve({ status, output }));
      }),
    async close() {
      await google.close();
      await kube.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
