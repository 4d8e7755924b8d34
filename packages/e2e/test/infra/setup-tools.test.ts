/**
 * setup.sh checks its tools before it runs anything: kubectl cannot talk to GKE
 * without gke-gcloud-auth-plugin, and finding that out after the cluster and the
 * service accounts exist is a half-done setup.
 */
import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { root } from '../helpers/infra-files';

const script = join(root, 'infra', 'gcp', 'setup.sh');
const PROJECT = ['--project', 'demo-proj-1'];

describe('infra/gcp/setup.sh without gke-gcloud-auth-plugin', () => {
  it('stops before running anything and says how to install it', () => {
    const bin = mkdtempSync(join(tmpdir(), 'setup-bin-'));
    const calls = join(bin, 'calls.log');
    try {
      // Every other tool is present and records being called.
      for (const tool of ['gcloud', 'kubectl', 'node', 'pnpm', 'npm', 'curl']) {
        writeFileSync(join(bin, tool), `#!/bin/sh\necho "${tool} $*" >> "${calls}"\n`);
        chmodSync(join(bin, tool), 0o755);
      }
      const which = (cmd: string): string =>
        spawnSync('sh', ['-c', `command -v ${cmd}`], { encoding: 'utf8' }).stdout.trim();
      // The coreutils the script needs before its tool check.
      for (const util of ['dirname', 'date']) symlinkSync(which(util), join(bin, util));
      const bash = which('bash');
      const r = spawnSync(bash, [script, ...PROJECT], {
        encoding: 'utf8',
        env: { PATH: `${bin}:/nonexistent` },
      });
      expect(r.status).toBe(1);
      expect(r.stderr).toContain('gke-gcloud-auth-plugin is not on PATH');
      expect(r.stderr).toContain('gcloud components install gke-gcloud-auth-plugin');
      expect(existsSync(calls) ? readFileSync(calls, 'utf8') : '').toBe('');
    } finally {
      rmSync(bin, { recursive: true, force: true });
    }
  });
});
