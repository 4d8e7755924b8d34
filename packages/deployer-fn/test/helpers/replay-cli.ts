import { spawn } from 'node:child_process';
import { join } from 'node:path';

/** The built maskops-replay, run as a user runs it. */
export const CLI = join(__dirname, '..', '..', 'dist', 'replay', 'cli.js');

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs the CLI in a child process. `stdin`: the text to pipe in and close, or
 * 'open' to leave the pipe open and silent (a forgotten pipe).
 */
export function runCli(args: string[], env: Record<string, string>, stdin?: string): Promise<Run> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      env: { PATH: process.env.PATH ?? '', ...env },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    if (stdin === 'open') child.stdin.on('error', () => undefined);
    else child.stdin.end(stdin ?? '');
  });
}
