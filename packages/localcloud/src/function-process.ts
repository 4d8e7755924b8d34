import { spawn, type ChildProcess } from 'node:child_process';
import { connect } from 'node:net';
import { dirname, join } from 'node:path';
import { sleep } from '@maskops/shared';
import { freePort } from './free-port';

export const SignatureType = { HTTP: 'http', EVENT: 'event', CLOUDEVENT: 'cloudevent' } as const;
export type SignatureType = (typeof SignatureType)[keyof typeof SignatureType];

export interface FunctionProcessOptions {
  /** A built function package: functions-framework loads its `main` (`--source`). */
  sourceDir: string;
  /** The exported function's name (`--target`). */
  target: string;
  signatureType: SignatureType;
  env: Record<string, string>;
  /** Default: a free port. */
  port?: number;
  /** Every line the process prints, stdout and stderr alike. */
  onLog?: (line: string) => void;
}

/**
 * The functions-framework binary the function's own package resolves, so the function
 * runs under the version it declares. The package exports only its API, not its bin;
 * the bin (`main.js`) sits next to the API entry.
 */
export function functionsFrameworkBin(sourceDir: string): string {
  const api = require.resolve('@google-cloud/functions-framework', { paths: [sourceDir] });
  return join(dirname(api), 'main.js');
}

/**
 * A function package served by the real functions-framework binary, as Cloud Run
 * runs it, configured only through env like `gcloud functions deploy`.
 */
export class FunctionProcess {
  readonly exited: Promise<number | null>;
  private out = '';
  private err = '';

  private constructor(
    private readonly child: ChildProcess,
    readonly url: string,
    onLog?: (line: string) => void,
  ) {
    this.exited = new Promise((resolve) => child.once('exit', (code) => resolve(code)));
    const lines = (chunk: Buffer): void => {
      if (!onLog) return;
      for (const line of chunk.toString('utf8').split('\n')) if (line.trim()) onLog(line);
    };
    child.stdout?.on('data', (c: Buffer) => {
      this.out += c.toString('utf8');
      lines(c);
    });
    child.stderr?.on('data', (c: Buffer) => {
      this.err += c.toString('utf8');
      lines(c);
    });
  }

  /** Starts the process without waiting for it to listen (cold-start timing, config errors). */
  static async spawn(opts: FunctionProcessOptions): Promise<FunctionProcess> {
    const port = opts.port ?? (await freePort());
    const child = spawn(
      process.execPath,
      [
        functionsFrameworkBin(opts.sourceDir),
        `--target=${opts.target}`,
        `--signature-type=${opts.signatureType}`,
        `--source=${opts.sourceDir}`,
        `--port=${port}`,
      ],
      { env: { PATH: process.env.PATH ?? '', ...opts.env }, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    return new FunctionProcess(child, `http://127.0.0.1:${port}/`, opts.onLog);
  }

  /** Starts the process and waits until it answers HTTP. */
  static async start(opts: FunctionProcessOptions): Promise<FunctionProcess> {
    const fn = await FunctionProcess.spawn(opts);
    await fn.waitListening();
    return fn;
  }

  // A cold start takes a second or two on an idle machine and far longer on a busy one
  // (seen: over 10 s at load 17); waiting longer costs nothing when it starts, and an
  // exit at start is reported at once either way.
  async waitListening(timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (Date.now() < deadline) {
      if (this.child.exitCode !== null) {
        throw new Error(
          `the function exited with ${this.child.exitCode} at start: ${this.err.trim().slice(0, 500)}`,
        );
      }
      // A TCP connection, not an HTTP request: the function would answer (and log) a
      // probe as a refused request, which the demo would print on every start.
      if (await accepts(Number(new URL(this.url).port))) return;
      await sleep(20);
    }
    await this.stop();
    throw new Error(`the function did not start listening within ${timeoutMs} ms`);
  }

  stdout(): string {
    return this.out;
  }

  stderr(): string {
    return this.err;
  }

  /** Delivers one request as Pub/Sub push through Eventarc would; returns the HTTP status. */
  async deliver(request: { headers: Record<string, string>; body: string }): Promise<number> {
    const res = await fetch(this.url, {
      method: 'POST',
      headers: request.headers,
      body: request.body,
      signal: AbortSignal.timeout(600_000),
    });
    await res.arrayBuffer();
    return res.status;
  }

  async stop(): Promise<number | null> {
    if (this.child.exitCode === null && this.child.signalCode === null) this.child.kill('SIGTERM');
    return this.exited;
  }
}

/** Whether something accepts TCP connections on 127.0.0.1:port (within 500 ms). */
function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ host: '127.0.0.1', port });
    const done = (ok: boolean) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}
