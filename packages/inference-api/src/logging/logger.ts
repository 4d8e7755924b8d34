import type { FastifyServerOptions } from 'fastify';
import { Severity } from '@maskops/shared';
import type { LogLevel } from '../config';
import { VERSION } from '../version';

/**
 * The process's one logger is pino (Fastify's own instance), shaped for Cloud
 * Logging: `severity` and `message` are picked out of each JSON line and every
 * other field becomes jsonPayload — the same line shape as @maskops/shared's
 * logger, which deployer-fn keeps. Image bytes never reach a log line.
 */
export interface LogDestination {
  write(line: string): void;
}

/** pino's numeric levels → Cloud Logging severity: the only such map in inference-api. */
const SEVERITY: Readonly<Record<number, Severity>> = {
  10: Severity.DEBUG, // trace
  20: Severity.DEBUG,
  30: Severity.INFO,
  40: Severity.WARNING,
  50: Severity.ERROR,
  60: Severity.CRITICAL,
};

export function loggerOptions(
  level: LogLevel,
  stream?: LogDestination,
): NonNullable<FastifyServerOptions['logger']> {
  return {
    level,
    messageKey: 'message',
    base: { service: 'inference-api', version: VERSION },
    timestamp: () => `,"time":"${new Date().toISOString()}"`,
    formatters: {
      level: (_label: string, n: number) => ({ severity: SEVERITY[n] ?? 'DEFAULT' }),
    },
    ...(stream ? { stream } : {}),
  };
}
