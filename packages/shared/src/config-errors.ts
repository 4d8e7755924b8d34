import { ConfigError } from './config';

/**
 * Several bad settings at once. A process that fails at start (a pod, a function)
 * should show every variable to fix in one go, not one per restart. It stays a
 * ConfigError, so loadConfigOrExit's one CRITICAL line and exit 78 are unchanged:
 * `variable` lists the names, the message names each with what is wrong.
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
 *
 * A reader whose check needs another setting validates its own variable first,
 * then reads that input with the input's own reader: a bad input throws the very
 * error its reader reports, so the check is skipped and the error, equal to one
 * already collected, is listed once.
 */
export function readEach<R extends Readers>(readers: R): ReadValues<R> {
  const values: Record<string, unknown> = {};
  const errors: ConfigError[] = [];
  const add = (e: ConfigError): void => {
    if (!errors.some((x) => x.variable === e.variable && x.message === e.message)) errors.push(e);
  };
  for (const [key, read] of Object.entries(readers)) {
    try {
      values[key] = read();
    } catch (err) {
      if (err instanceof ConfigErrors) err.errors.forEach(add);
      else if (err instanceof ConfigError) add(err);
      else throw err;
    }
  }
  if (errors.length === 1) throw errors[0];
  if (errors.length > 1) throw new ConfigErrors(errors);
  // Every reader returned: each key holds its reader's value.
  return values as ReadValues<R>;
}
