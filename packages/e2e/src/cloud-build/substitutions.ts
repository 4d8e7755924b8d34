import { applyExpansion } from './bash-expansion';
import { badSubstitution } from './errors';

/**
 * Cloud Build's substitution rules, as documented in "Substituting variable values":
 * https://cloud.google.com/build/docs/configuring-builds/substitute-variable-values
 * and, for `dynamicSubstitutions`, "Use bash and payload bindings in substitutions":
 * https://cloud.google.com/build/docs/configuring-builds/use-bash-and-bindings-in-substitutions
 *
 * - `$NAME` and `${NAME}` are replaced; `$$` is a literal `$`.
 * - Built-ins (below) come from the build; one the build does not have is empty.
 * - User substitutions are `_` + uppercase letters, digits or `_`: defaults from the
 *   file's `substitutions:`, overridden by the trigger or `--substitutions`.
 * - By default (`substitutionOption: MUST_MATCH`) a variable that is neither defined
 *   nor built-in, and a user substitution the config never uses, stop the build;
 *   `ALLOW_LOOSE` makes the first empty and ignores the second.
 * - With `dynamicSubstitutions: true`, user substitutions' values are expanded too (so
 *   they may refer to built-ins and to each other), and `${NAME…}` takes the bash
 *   expansions of bash-expansion.ts.
 */
const BUILTIN_SUBSTITUTIONS = [
  'PROJECT_ID',
  'BUILD_ID',
  'PROJECT_NUMBER',
  'LOCATION',
  'TRIGGER_NAME',
  'COMMIT_SHA',
  'REVISION_ID',
  'SHORT_SHA',
  'REPO_NAME',
  'REPO_FULL_NAME',
  'BRANCH_NAME',
  'TAG_NAME',
  'REF_NAME',
  'TRIGGER_BUILD_CONFIG_PATH',
  'SERVICE_ACCOUNT_EMAIL',
  'SERVICE_ACCOUNT',
  // GitHub pull-request triggers: built-in although spelled like user substitutions.
  '_HEAD_BRANCH',
  '_BASE_BRANCH',
  '_HEAD_REPO_URL',
  '_PR_NUMBER',
] as const;
export type BuiltinSubstitution = (typeof BUILTIN_SUBSTITUTIONS)[number];

export const SubstitutionOption = { MUST_MATCH: 'MUST_MATCH', ALLOW_LOOSE: 'ALLOW_LOOSE' } as const;
export type SubstitutionOption = (typeof SubstitutionOption)[keyof typeof SubstitutionOption];

export interface SubstitutionInput {
  /** What the build knows of itself; a built-in left out is empty, as in Cloud Build. */
  readonly builtins: Readonly<Partial<Record<BuiltinSubstitution, string>>>;
  /** The file's `substitutions:` (user substitutions and their defaults). */
  readonly defaults?: Readonly<Record<string, string>>;
  /** The trigger's or `--substitutions` values; they win over the defaults. */
  readonly overrides?: Readonly<Record<string, string>>;
  readonly dynamic?: boolean;
  readonly option?: SubstitutionOption;
}

export interface Substitutor {
  /** `text` with every substitution applied; `where` names its place in errors. */
  expand(text: string, where: string): string;
  /** Stops on user substitutions nothing used (MUST_MATCH); call after every expand. */
  checkAllUsed(): void;
  /** The substitutions a Build resource lists: user ones as given, built-ins the build has. */
  published(): Record<string, string>;
}

const USER_KEY = /^_[A-Z0-9_]+$/;
const NAME = /^[A-Za-z_][A-Za-z0-9_]*/;
// Limits from the documentation's "Restrictions on user-defined substitutions".
const MAX_PARAMETERS = 200;
const MAX_KEY_BYTES = 100;
const MAX_VALUE_BYTES = 4000;
const BUILTINS: ReadonlySet<string> = new Set(BUILTIN_SUBSTITUTIONS);

export function createSubstitutor(input: SubstitutionInput): Substitutor {
  const dynamic = input.dynamic ?? false;
  const loose = (input.option ?? SubstitutionOption.MUST_MATCH) === SubstitutionOption.ALLOW_LOOSE;
  const user = { ...input.defaults, ...input.overrides };
  checkUserKeys(user);
  for (const key of Object.keys(input.builtins)) {
    if (!BUILTINS.has(key)) throw badSubstitution('built-ins', `"${key}" is not a built-in`);
  }
  const used = new Set<string>();
  const resolved = new Map<string, string>();
  const resolving: string[] = [];

  function lookup(name: string, where: string): string {
    if (Object.hasOwn(user, name)) {
      used.add(name);
      return userValue(name);
    }
    if (BUILTINS.has(name)) return input.builtins[name as BuiltinSubstitution] ?? '';
    if (loose) return '';
    if (name.startsWith('_')) {
      throw badSubstitution(
        where,
        `substitution ${name} is not defined (give it a default under substitutions:, or set options.substitutionOption: ALLOW_LOOSE)`,
      );
    }
    throw badSubstitution(
      where,
      `$${name} is not a valid built-in substitution (write $$${name} for a variable of the step's shell)`,
    );
  }

  function userValue(name: string): string {
    const raw = user[name];
    if (!dynamic) return raw;
    const done = resolved.get(name);
    if (done !== undefined) return done;
    if (resolving.includes(name)) {
      throw badSubstitution(
        `substitutions.${name}`,
        `refers to itself: ${[...resolving, name].join(' → ')}`,
      );
    }
    resolving.push(name);
    const value = scan(raw, `substitutions.${name}`);
    resolving.pop();
    resolved.set(name, value);
    return value;
  }

  function scan(text: string, where: string): string {
    let out = '';
    let i = 0;
    while (i < text.length) {
      const dollar = text.indexOf('$', i);
      if (dollar < 0) {
        out += text.slice(i);
        break;
      }
      out += text.slice(i, dollar);
      const next = text[dollar + 1];
      if (next === '$') {
        out += '$';
        i = dollar + 2;
      } else if (next === '{') {
        const close = text.indexOf('}', dollar + 2);
        if (close < 0) throw badSubstitution(where, `unterminated "\${" at offset ${dollar}`);
        out += braced(text.slice(dollar + 2, close), where);
        i = close + 1;
      } else {
        const name = NAME.exec(text.slice(dollar + 1))?.[0];
        // A `$` before anything but a name (a digit, a space, the end) stays as written.
        out += name === undefined ? '$' : lookup(name, where);
        i = dollar + 1 + (name?.length ?? 0);
      }
    }
    return out;
  }

  function braced(inner: string, where: string): string {
    if (inner.includes('${')) {
      throw badSubstitution(where, `nested expansion \${${inner}} is not supported`);
    }
    const name = NAME.exec(inner)?.[0];
    if (name === undefined) {
      throw badSubstitution(where, `unsupported expansion \${${inner}}: no variable name`);
    }
    const operation = inner.slice(name.length);
    if (operation !== '' && !dynamic) {
      throw badSubstitution(
        where,
        `expansion \${${inner}} needs options.dynamicSubstitutions: true`,
      );
    }
    return applyExpansion(name, lookup(name, where), operation, where);
  }

  return {
    expand: (text, where) => scan(text, where),
    checkAllUsed() {
      if (loose) return;
      const unused = Object.keys(user).filter((k) => !used.has(k) && !BUILTINS.has(k));
      if (unused.length > 0) {
        throw badSubstitution(
          'substitutions',
          `${unused.join(', ')} ${unused.length === 1 ? 'is' : 'are'} not used in the build config (remove, or set options.substitutionOption: ALLOW_LOOSE)`,
        );
      }
    },
    published() {
      const present = Object.entries(input.builtins).filter(
        (e): e is [string, string] => typeof e[1] === 'string' && e[1] !== '',
      );
      return Object.fromEntries([...present, ...Object.entries(user)]);
    },
  };
}

function checkUserKeys(user: Record<string, string>): void {
  const keys = Object.keys(user);
  if (keys.length > MAX_PARAMETERS) {
    throw badSubstitution(
      'substitutions',
      `${keys.length} substitutions, at most ${MAX_PARAMETERS}`,
    );
  }
  for (const key of keys) {
    const where = `substitutions.${key}`;
    if (!USER_KEY.test(key)) {
      throw badSubstitution(
        where,
        `user substitutions start with "_" followed by uppercase letters, digits or "_"`,
      );
    }
    if (Buffer.byteLength(key) > MAX_KEY_BYTES) {
      throw badSubstitution(where, `key longer than ${MAX_KEY_BYTES} bytes`);
    }
    if (typeof user[key] !== 'string') throw badSubstitution(where, 'the value must be a string');
    if (Buffer.byteLength(user[key]) > MAX_VALUE_BYTES) {
      throw badSubstitution(where, `value longer than ${MAX_VALUE_BYTES} bytes`);
    }
  }
}
