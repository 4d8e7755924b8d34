import { ConfigError, integer, optionalString, readEach, type Env } from '@maskops/shared';

/** Where the service listens. */
export interface ServerConfig {
  port: number;
  host: string;
  /** A second listener serving only /metrics (then absent from `port`); unset: /metrics on `port`. */
  metricsPort: number | undefined;
}

function port(env: Env): number {
  return integer(env, 'PORT', 8080, { min: 0, max: 65_535 });
}

/** METRICS_PORT: unset, or a port other than PORT (0, any free port, is for tests). */
function metricsPort(env: Env): number | undefined {
  if (optionalString(env, 'METRICS_PORT') === undefined) return undefined;
  const n = integer(env, 'METRICS_PORT', 0, { min: 0, max: 65_535 });
  if (n === 0) return n;
  const main = port(env);
  if (n === main) throw new ConfigError('METRICS_PORT', `must differ from PORT (${main})`);
  return n;
}

/** PORT, HOST, METRICS_PORT. */
export function readServerConfig(env: Env): ServerConfig {
  return readEach({
    port: () => port(env),
    host: () => optionalString(env, 'HOST', '0.0.0.0'),
    metricsPort: () => metricsPort(env),
  });
}
