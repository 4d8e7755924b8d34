import type { FastifyBaseLogger } from 'fastify';
import type { LogFields, Logger } from '@maskops/shared';

/** The levels the model code logs at (pino's method names). */
type WorkerLogLevel = 'debug' | 'info' | 'warn' | 'error';

/**
 * What model loading and inference log through: message first, then fields.
 * In the worker thread it is a sink to the main thread's pino; in-process (tests,
 * benches) any logger of that shape will do.
 */
export type WorkerLogger = Pick<Logger, WorkerLogLevel>;

/** One log line crossing from the worker to the main thread, as data. */
export interface WorkerLogLine {
  level: WorkerLogLevel;
  msg: string;
  fields?: LogFields;
}

/** A WorkerLogger that hands each line to `post` as an object (no JSON round trip). */
export function workerLogSink(post: (line: WorkerLogLine) => void): WorkerLogger {
  const at =
    (level: WorkerLogLevel) =>
    (msg: string, fields?: LogFields): void =>
      post(fields ? { level, msg, fields } : { level, msg });
  return { debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

/** Writes a worker's line with the main thread's pino logger. */
export function writeWorkerLine(logger: FastifyBaseLogger, line: WorkerLogLine): void {
  logger[line.level](line.fields ?? {}, line.msg);
}
