import { execFile, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';

/**
 * The Docker CLI, as a person runs it. The engine here has no bridge network: every
 * build and container uses host networking and binds loopback (see the README's
 * "Build and run the image yourself"). Builds use the legacy builder: Debian has no
 * buildx, and BuildKit would pull its frontend from a registry.
 */
const DOCKER_ENV = { DOCKER_BUILDKIT: '0' } as const;
/** The client's notice that the legacy builder is deprecated (on every build). */
const LEGACY_NOTICE =
  /DEPRECATED: The legacy builder|BuildKit is currently disabled|environment-variable\.$/;

/** The engine's version, or undefined when no Docker Engine answers. */
export function dockerEngineVersion(): string | undefined {
  const r = spawnSync('docker', ['version', '--format', '{{.Server.Version}}'], {
    encoding: 'utf8',
    timeout: 20_000,
  });
  return r.status === 0 && r.stdout.trim() ? r.stdout.trim() : undefined;
}

export interface DockerResult {
  stdout: string;
  stderr: string;
}

/** Runs `docker ARGS`; rejects with the command and its stderr when it fails. */
export function docker(
  args: readonly string[],
  opts: { input?: string; timeoutMs?: number; cwd?: string } = {},
): Promise<DockerResult> {
  return new Promise((resolve, reject) => {
    const child = execFile(
      'docker',
      args,
      {
        encoding: 'utf8',
        maxBuffer: 256 * 1024 * 1024,
        timeout: opts.timeoutMs ?? 600_000,
        cwd: opts.cwd,
        env: { ...process.env, ...DOCKER_ENV },
      },
      (err, stdout, stderr) => {
        if (err) {
          const tail = `${stdout}\n${stderr}`
            .split('\n')
            .filter((l) => l.trim() && !LEGACY_NOTICE.test(l))
            .slice(-25)
            .join('\n');
          reject(new Error(`docker ${args[0]} failed: ${tail}`, { cause: err }));
        } else resolve({ stdout, stderr });
      },
    );
    if (opts.input !== undefined) child.stdin?.end(opts.input);
  });
}

/** A name no other run on this machine uses (the engine is machine-wide). */
export function uniqueName(prefix: string): string {
  return `${prefix}-${process.pid}-${randomBytes(3).toString('hex')}`;
}

/** Removes containers and images, ignoring those already gone. */
export async function removeAll(what: { containers?: string[]; images?: string[] }): Promise<void> {
  if (what.containers?.length) {
    await docker(['rm', '--force', '--volumes', ...what.containers]).catch(() => undefined);
  }
  if (what.images?.length) {
    await docker(['image', 'rm', '--force', ...what.images]).catch(() => undefined);
  }
}
