import { parseArgs, type ParseArgsConfig } from 'node:util';

type Options = NonNullable<ParseArgsConfig['options']>;

/**
 * The command-line shell the e2e CLIs share: options parsed strictly, `--help` prints
 * the usage text and exits 0, and a usage error prints its message and the usage text
 * on stderr and exits 2 (the exit code every CLI here keeps for usage errors).
 */
const HELP = { help: { type: 'boolean', default: false } } as const;

type Values<O extends Options> = ReturnType<
  typeof parseArgs<{ options: O & typeof HELP }>
>['values'];

interface Cli<O extends Options> {
  readonly values: Values<O>;
  /** Prints MESSAGE and the usage text on stderr, exits 2. */
  readonly usage: (message: string) => never;
}

export function parseCli<const O extends Options>(usageText: string, options: O): Cli<O> {
  const usage = (message: string): never => {
    process.stderr.write(`${message}\n${usageText}`);
    process.exit(2);
  };
  const parse = (): Values<O> => {
    try {
      return parseArgs({ options: { ...options, ...HELP } }).values;
    } catch (err) {
      return usage(err instanceof Error ? err.message : String(err));
    }
  };
  const values = parse();
  // TypeScript cannot resolve the generic values type here; `help` is always among them.
  if ((values as { help?: boolean }).help === true) {
    process.stdout.write(usageText);
    process.exit(0);
  }
  return { values, usage };
}
