import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, sleep } from '@maskops/localcloud';

/**
 * Artifact Registry's local stand-in: Debian's `docker-registry` (the CNCF Distribution
 * registry) listening on 127.0.0.1 only (its packaged default is every interface),
 * storing in a folder of its own. The engine pushes to 127.0.0.0/8 over plain HTTP
 * without any insecure-registry setting.
 */
export interface LocalRegistry {
  /** `127.0.0.1:PORT`, the first part of the image names pushed here. */
  readonly host: string;
  stop(): Promise<void>;
}

const START_BUDGET_MS = 20_000;

export async function startLocalRegistry(): Promise<LocalRegistry> {
  const dir = mkdtempSync(join(tmpdir(), 'maskops-registry-'));
  const host = `127.0.0.1:${await freePort()}`;
  const config = join(dir, 'config.yml');
  writeFileSync(
    config,
    [
      'version: 0.1',
      'log: { level: warn, accesslog: { disabled: true } }',
      `storage: { filesystem: { rootdirectory: ${join(dir, 'data')} }, delete: { enabled: true } }`,
      `http: { addr: '${host}' }`,
      '',
    ].join('\n'),
  );
  const child = spawn('docker-registry', ['serve', config], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (d: string) => {
    stderr = (stderr + d).slice(-4000);
  });
  const stop = async (): Promise<void> => {
    await exited(child);
    rmSync(dir, { recursive: true, force: true });
  };
  const started = Date.now();
  while (Date.now() - started < START_BUDGET_MS) {
    if (child.exitCode !== null || child.signalCode !== null) break;
    const ok = await fetch(`http://${host}/v2/`, { signal: AbortSignal.timeout(2000) }).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return { host, stop };
    await sleep(100);
  }
  await stop();
  throw new Error(`docker-registry did not answer on ${host}: ${stderr.trim() || '(no output)'}`);
}

function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once('exit', () => resolve());
    child.kill('SIGTERM');
  });
}

/**
 * The digest a registry on loopback answers for IMAGE (`127.0.0.1:PORT/repo:tag`): its
 * `Docker-Content-Digest` for the manifest, as Artifact Registry's answer gives it.
 */
export async function manifestDigest(image: string): Promise<string> {
  const m = /^(127\.0\.0\.1:\d+|localhost:\d+)\/([^:@]+):([\w][\w.-]{0,127})$/.exec(image);
  if (!m) throw new Error(`"${image}" is not HOST:PORT/REPO:TAG on a loopback registry`);
  const res = await fetch(`http://${m[1]}/v2/${m[2]}/manifests/${m[3]}`, {
    method: 'HEAD',
    headers: {
      accept: [
        'application/vnd.docker.distribution.manifest.v2+json',
        'application/vnd.docker.distribution.manifest.list.v2+json',
        'application/vnd.oci.image.manifest.v1+json',
        'application/vnd.oci.image.index.v1+json',
      ].join(', '),
    },
    signal: AbortSignal.timeout(10_000),
  });
  const digest = res.headers.get('docker-content-digest');
  if (!res.ok || !digest || !/^sha256:[0-9a-f]{64}$/.test(digest)) {
    throw new Error(`the registry has no manifest for ${image} (HTTP ${res.status})`);
  }
  return digest;
}
