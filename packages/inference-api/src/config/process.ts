import { oneOf, optionalString, readEach, Track, type Env } from '@maskops/shared';

export const LogLevel = {
  TRACE: 'trace',
  DEBUG: 'debug',
  INFO: 'info',
  WARN: 'warn',
  ERROR: 'error',
  FATAL: 'fatal',
  SILENT: 'silent',
} as const;
export type LogLevel = (typeof LogLevel)[keyof typeof LogLevel];

/** Which build this process is, on which track, and how much it logs. */
export interface ProcessConfig {
  buildId: string | undefined;
  commitSha: string | undefined;
  /** The `track` label of the /predict metrics the deployer's canary analysis compares. */
  track: Track;
  logLevel: LogLevel;
}

/** MASKOPS_BUILD_ID, MASKOPS_COMMIT_SHA, MASKOPS_TRACK, LOG_LEVEL. */
export function readProcessConfig(env: Env): ProcessConfig {
  return readEach({
    buildId: () => optionalString(env, 'MASKOPS_BUILD_ID'),
    commitSha: () => optionalString(env, 'MASKOPS_COMMIT_SHA'),
    track: () => oneOf(env, 'MASKOPS_TRACK', Object.values(Track), Track.STABLE),
    logLevel: () => oneOf(env, 'LOG_LEVEL', Object.values(LogLevel), LogLevel.INFO),
  });
}
