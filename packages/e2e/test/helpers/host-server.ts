import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { freePort, sleep } from '@maskops/localcloud';
import { packageDir } from '../../src/package-dir';

export interface HostServer {
  url: string;
  stop(): Promise<number | null>;
}

/** inference-api as a host process (its built dist), with ENV, on a free loopback port. */
export async function startHostServer(env: Record<string, string>): Promise<HostServer> {
  const port = await freePort();
  const child = spawn(
    process.execPath,
    [join(packageDir('@maskops/inference-api'), 'dist', 'main.js')],
    {
      env: { PATH: process.env.PATH ?? '', ...env, HOST: '127.0.0.1', PORT: String(port) },
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  let err = '';
  child.stderr.on('data', (c: Buffer) => (err = (err + c.toString('utf8')).slice(-4000)));
  const exited = new Promise<number | null>((r) => child.once('exit', r));
  const url = `http://127.0.0.1:${port}`;
  const stop = async (): Promise<number | null> => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    return exited;
  };
  for (let i = 0; i < 1200; i++) {
    if (child.exitCode !== null) throw new Error(`the host server exited: ${err}`);
    const ready = await fetch(`${url}/readyz`).then(
      (r) => r.status === 200,
      () => false,
    );
    if (ready) return { url, stop };
    await sleep(100);
  }
  await stop();
  throw new Error(`the host server was not ready in 120 s: ${err}`);
}
