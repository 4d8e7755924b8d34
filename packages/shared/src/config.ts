import { MaskopsError } from './errors';

/**
 * Typed readers for environment settings. Each one fails with a ConfigError that
 * names the variable, so a bad deploy stops at start with one clear line.
 */
export class ConfigError extends MaskopsError {
  readonly variable: string;
  constructor(variable: string, message: string) {
    super('CONFIG_INVALID', `${variable}: ${message}`, { details: { variable } });
    this.variable = variable;
  }
}

export type Env = Readonly<Record<string, string | undefined>>;

function raw(env: Env, name: string): string | undefined {
  const v = env[name];
  if (v === undefined) return undefined;
  const t = v.trim();
  return t === '' ? undefined : t;
}

export function requireString(env: Env, name: string): string {
  const v = raw(env, name);
  if (v === undefined) throw new ConfigError(name, 'is required but not set');
  return v;
}

export function optionalString(env: Env, name: string): string | undefined;
export function optionalString(env: Env, name: string, fallback: string): string;
export function optionalString(env: Env, name: string, fallback?: string): string | undefined {
  return raw(env, name) ?? fallback;
}

export interface IntOptions {
  min?: number;
  max?: number;
}

export function integer(env: Env, name: string, fallback: number, opts: IntOptions = {}): number {
  const v = raw(env, name);
  if (v === undefined) return fallback;
  if (!/^-?\d+$/.test(v)) throw new ConfigError(name, `must be an integer, got "${v}"`);
  const n = Number(v);
  if (!Number.isSafeInteger(n)) throw new ConfigError(name, `is out of range: ${v}`);
  if (opts.min !== undefined && n < opts.min)
    throw new ConfigError(name, `must be >= ${opts.min}, got ${n}`);
  if (opts.max !== undefined && n > opts.max)
    throw new ConfigError(name, `must be <= ${opts.max}, got ${n}`);
  return n;
}

export function number(env: Env, name: string, fallback: number, opts: IntOptions = {}): number {
  const v = raw(env, name);
  if (v === undefined) return fallback;
  const n = Number(v);
  if (!Number.isFinite(n)) throw new ConfigError(name, `must be a number, got "${v}"`);
  if (opts.min !== undefined && n < opts.min)
    throw new ConfigError(name, `must be >= ${opts.min}, got ${n}`);
  if (opts.max !== undefined && n > opts.max)
    throw new ConfigError(name, `must be <= ${opts.max}, got ${n}`);
  return n;
}

const TRUE = new Set(['1', 'true', 'yes', 'on']);
const FALSE = new Set(['0', 'false', 'no', 'off']);

export function boolean(env: Env, name: string, fallback: boolean): boolean {
  const v = raw(env, name);
  if (v === undefined) return fallback;
  const l = v.toLowerCase();
  if (TRUE.has(l)) return true;
  if (FALSE.has(l)) return false;
  throw new ConfigError(name, `must be true or false, got "${v}"`);
}

export function oneOf<T extends string>(
  env: Env,
  name: string,
  allowed: readonly T[],
): T | undefined;
export function oneOf<T extends string>(
  env: Env,
  name: string,
  allowed: readonly T[],
  fallback: T,
): T;
export function oneOf<T extends string>(
  env: Env,
  name: string,
  allowed: readonly T[],
  fallback?: T,
): T | undefined {
  const v = raw(env, name);
  if (v === undefined) return fallback;
  if (!(allowed as readonly string[]).includes(v)) {
    throw new ConfigError(name, `must be one of ${allowed.join(', ')}, got "${v}"`);
  }
  return v as T;
}

export function url(env: Env, name: string, fallback: string): string {
  const v = raw(env, name) ?? fallback;
  let parsed: URL;
  try {
    parsed = new URL(v);
  } catch {
    throw new ConfigError(name, `must be an absolute URL, got "${v}"`);
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
    throw new ConfigError(name, `must be an http(s) URL, got "${v}"`);
  }
  return v.replace(/\/+$/, '');
}

/**
 * Reads a config with `read`, or prints one line naming the bad variable and exits.
 * Entry points call this once at start.
 */
export function loadConfigOrExit<T>(
  read: () => T,
  write: (line: string) => void = (l) => void process.stderr.write(l + '\n'),
): T {
  try {
    return Object.freeze(read());
  } catch (err) {
    if (err instanceof ConfigError) {
      write(
        JSON.stringify({
          severity: 'CRITICAL',
          message: `invalid configuration: ${err.message}`,
          code: err.code,
          variable: err.variable,
        }),
      );
      process.exit(78); // EX_CONFIG
    }
    throw err;
  }
}
