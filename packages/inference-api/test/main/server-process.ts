import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

/** A real `node dist/main.js` child process, its log lines, and its port. */
export interface ServerProcess {
  child: ChildProcess;
  lines: Record<string, unknown>[];
  port: number;
  url: string;
  /** Resolves with the first log line matching, waiting for it if needed. */
  waitFor(pred: (line: Record<string, unknown>) => boolean): Promise<Record<string, unknown>>;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

export const MAIN_JS = join(__dirname, '..', '..', 'dist', 'main.js');

export async function startServer(env: Record<string, string> = {}): Promise<ServerProcess> {
  const child = spawn(process.execPath, [MAIN_JS], {
    env: {
      PATH: process.env.PATH ?? '',
      PORT: '0',
      HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: Record<string, unknown>[] = [];
  const watchers: {
    pred: (l: Record<string, unknown>) => boolean;
    resolve: (l: Record<string, unknown>) => void;
  }[] = [];
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const onLine = (text: string): void => {
    let line: Record<string, unknown>;
    try {
      line = JSON.parse(text) as Record<string, unknown>;
    } catch {
      line = { message: text, unparsed: true };
    }
    lines.push(line);
    for (const w of [...watchers]) {
      if (w.pred(line)) {
        watchers.splice(watchers.indexOf(w), 1);
        w.resolve(line);
      }
    }
  };
  createInterface({ input: child.stdout }).on('line', onLine);
  createInterface({ input: child.stderr }).on('line', onLine);

  const waitFor = (pred: (l: Record<string, unknown>) => boolean) => {
    const found = lines.find(pred);
    if (found) return Promise.resolve(found);
    return new Promise<Record<string, unknown>>((resolve, reject) => {
      watchers.push({ pred, resolve });
      void exited.then(({ code }) =>
        reject(
          new Error(
            `server exited (${code}) before the expected log line; log:\n${lines.map((l) => JSON.stringify(l)).join('\n')}`,
          ),
        ),
      );
    });
  };

  const listening = await waitFor(
    (l) => typeof l['port'] === 'number' && String(l['message']).startsWith('listening'),
  );
  const port = listening['port'] as number;
  return { child, lines, port, url: `http://127.0.0.1:${port}`, waitFor, exited };
}
