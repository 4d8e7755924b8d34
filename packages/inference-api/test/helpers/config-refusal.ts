import { ConfigError, ConfigErrors } from '@maskops/shared';
import { readConfig } from '../../src/config';

/** What readConfig throws for `env`, and it must throw. */
export function refusal(env: Record<string, string>): ConfigError {
  try {
    readConfig(env);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error(`readConfig accepted ${JSON.stringify(env)}`);
}

/** The variables a refusal names, one per error. */
export function named(err: ConfigError): string[] {
  return err instanceof ConfigErrors ? err.errors.map((e) => e.variable) : [err.variable];
}

/** The rows of a "refuses NAME=value naming the variable" table, one concern's worth. */
export function refusesEach(rows: [name: string, value: string][]): void {
  it.each(rows)('refuses %s=%s naming the variable', (name, value) => {
    expect(named(refusal({ [name]: value }))).toEqual([name]);
  });
}
