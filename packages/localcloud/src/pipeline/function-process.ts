import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { freePort, sleep } from './free-port';

/**
 * The deployer function served by the real functions-framework binary, as
 * Cloud Run would run it, configured through env like `gcloud functions deploy`.
 */
export class FunctionProcess {
  private constructor(
    private readonly child: ChildProcess,
    readonly url: string,
  ) {}

  static async start(opts: {
    deployerDir: string;
    env: Record<string, string>;
    onLog?: (line: string) => void;
  }): Promise<FunctionProcess> {
    const port = await freePort();
    const bin = join(
      opts.deployerDir,
      'node_modules',
      '@google-cloud',
      'functions-framework',
      'build',
      'src',
      'main.js',
    );
    const child = spawn(
      process.execPath,
      [
        bin,
        '--target=onNewImage',
        '--signature-type=cloudevent',
        `--source=${opts.deployerDir}`,
        `--port=${port}`,
      ],
      { env: { PATH: process.env.PATH ?? '', ...opts.env }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    const forward = (chunk: Buffer) => {
      for (const line of chunk.toString('utf8').split('\n')) if (line.trim()) opts.onLog?.(line);
    };
    child.stdout?.on('data', forward);
    child.stderr?.on('data', forward);
    const fn = new FunctionProcess(child, `http://127.0.0.1:${port}`);
    for (let i = 0; i < 100; i++) {
      if (child.exitCode !== null)
        throw new Error(`the function exited with ${child.exitCode} at start`);
      try {
        await fetch(fn.url, { method: 'GET', signal: AbortSignal.timeout(500) });
        return fn;
      } catch {
        await sleep(100);
      }
    }
    child.kill('SIGKILL');
    throw new Error('the function did not start listening within 10 s');
  }

  /** Delivers one request as Pub/Sub push through Eventarc would; returns the HTTP status. */
  async deliver(request: { headers: Record<string, string>; body: string }): Promise<number> {
    const res = await fetch(this.url, {
      method: 'POST',
      headers: request.headers,
      body: request.body,
      signal: AbortSignal.timeout(600000),
    });
    await res.arrayBuffer();
    return res.status;
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = new Promise((r) => this.child.once('exit', r));
    this.child.kill('SIGTERM');
    await exited;
  }
}
