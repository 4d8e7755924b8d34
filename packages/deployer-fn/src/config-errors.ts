import { ConfigError } from '@maskops/shared';

/**
 * Several bad settings at once. A deploy that fails at start should show every
 * variable to fix in one go, not one per redeploy. It stays a ConfigError, so
 * the entry points' one CRITICAL line and exit 78 are unchanged: `variable`
 * lists the names, the message names each with what is wrong.
 */
export class ConfigErrors extends ConfigError {
  readonly errors: readonly ConfigError[];
  constructor(errors: readonly ConfigError[]) {
    super(errors.map((e) => e.variable).join(', '), 'several settings are invalid');
    this.errors = errors;
    // ConfigError prefixes the variable; each message here already starts with its own.
    this.message = `${errors.length} settings are invalid: ${errors.map((e) => e.message).join('; ')}`;
  }
}

type Readers = Record<string, () => unknown>;
type ReadValues<R extends Readers> = { [K in keyof R]: ReturnType<R[K]> };

/**
 * Runs every reader, collecting ConfigErrors instead of stopping at the first.
 * One bad setting throws it as it is; several throw one ConfigErrors. Anything
 * else (a bug) is rethrown at once.
 */
export function readEach<R extends Readers>(readers: R): ReadValues<R> {
  const values: Record<string, unknown> = {};
  const errors: ConfigError[] = [];
  for (const [key, read] of Object.entries(readers)) {
    try {
      values[key] = read();
    } catch (err) {
      if (err instanceof ConfigErrors) errors.push(...err.errors);
      else if (err instanceof ConfigError) errors.push(err);
      else throw err;
    }
  }
  if (errors.length === 1) throw errors[0];
  if (errors.length > 1) throw new ConfigErrors(errors);
  // Every reader returned: each key holds its reader's value.
  return values as ReadValues<R>;
}
