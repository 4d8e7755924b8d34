import { ConfigError, integer, type Env } from '@maskops/shared';

/*
 * Settings that others are checked against, or derived from, have a reader of their
 * own. A checked setting validates its own variable first, then calls its input's
 * reader: a bad input skips the check, and readEach lists that input's error once
 * (config-errors.ts in @maskops/shared).
 */

export const MiB = 1024 * 1024;

/** A setting whose value is derived at run time instead of fixed. */
export const AUTO = 'auto';

/** `auto` (also when unset) or an integer >= min. */
export function autoOrInteger(env: Env, name: string, min = 1): number | typeof AUTO {
  const v = env[name]?.trim() ?? '';
  if (v === '' || v === AUTO) return AUTO;
  if (!/^\d+$/.test(v))
    throw new ConfigError(name, `must be auto or an integer >= ${min}, got "${v}"`);
  return integer(env, name, 0, { min });
}
