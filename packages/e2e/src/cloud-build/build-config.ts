import { parse } from 'yaml';
import { BUILD_FIELDS, checkFields, OPTION_FIELDS, STEP_FIELDS } from './config-fields';
import { invalidConfig } from './errors';
import { SubstitutionOption } from './substitutions';

/**
 * A build config file (`cloudbuild.yaml`, or its JSON form) read and checked field by
 * field, values still as written (substitutions are the plan's business):
 * https://cloud.google.com/build/docs/build-config-file-schema
 */
export interface StepVolume {
  readonly name: string;
  readonly path: string;
}

interface StepConfig {
  readonly name: string;
  readonly args: readonly string[];
  readonly env: readonly string[];
  readonly id?: string;
  readonly entrypoint?: string;
  readonly dir?: string;
  readonly waitFor?: readonly string[];
  readonly timeout?: string;
  readonly script?: string;
  readonly volumes: readonly StepVolume[];
  readonly allowFailure: boolean;
  readonly allowExitCodes: readonly number[];
  readonly automapSubstitutions?: boolean;
}

interface BuildOptions {
  readonly dynamicSubstitutions: boolean;
  readonly substitutionOption: SubstitutionOption;
  readonly automapSubstitutions: boolean;
  readonly env: readonly string[];
  readonly volumes: readonly StepVolume[];
}

export interface BuildConfig {
  readonly steps: readonly StepConfig[];
  readonly images: readonly string[];
  readonly substitutions: Readonly<Record<string, string>>;
  readonly options: BuildOptions;
  readonly timeout?: string;
  readonly tags: readonly string[];
  /** One line per field that has no local effect, naming it. */
  readonly notices: readonly string[];
}

// Cloud Build's own limits: https://cloud.google.com/build/quotas
const MAX_STEPS = 300;
const ENV_ENTRY = /^[A-Za-z_][A-Za-z0-9_]*=/s;
const STEP_ID = /^[^\s]{1,200}$/;

type Obj = Record<string, unknown>;

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function str(v: unknown, where: string): string {
  if (typeof v !== 'string') throw invalidConfig(where, 'must be a string');
  return v;
}

function optStr(v: unknown, where: string): string | undefined {
  return v === undefined ? undefined : str(v, where);
}

function strList(v: unknown, where: string): string[] {
  if (v === undefined) return [];
  if (!Array.isArray(v)) throw invalidConfig(where, 'must be a list of strings');
  return v.map((item, i) => str(item, `${where}[${i}]`));
}

function bool(v: unknown, where: string): boolean | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'boolean') throw invalidConfig(where, 'must be true or false');
  return v;
}

function envList(v: unknown, where: string): string[] {
  const list = strList(v, where);
  list.forEach((e, i) => {
    if (!ENV_ENTRY.test(e)) throw invalidConfig(`${where}[${i}]`, `"${e}" is not KEY=VALUE`);
  });
  return list;
}

function volumes(v: unknown, where: string): StepVolume[] {
  if (v === undefined) return [];
  if (!Array.isArray(v)) throw invalidConfig(where, 'must be a list of {name, path}');
  return v.map((item, i) => {
    const at = `${where}[${i}]`;
    if (!isObj(item)) throw invalidConfig(at, 'must be {name, path}');
    const extra = Object.keys(item).filter((k) => k !== 'name' && k !== 'path');
    if (extra.length > 0) throw invalidConfig(at, `unknown field "${extra[0]}"`);
    const path = str(item.path, `${at}.path`);
    // Cloud Build refuses volumes over its own mounts.
    if (!path.startsWith('/') || path === '/workspace' || path.startsWith('/workspace/')) {
      throw invalidConfig(`${at}.path`, `"${path}" must be absolute and outside /workspace`);
    }
    return { name: str(item.name, `${at}.name`), path };
  });
}

function step(v: unknown, where: string, notices: string[]): StepConfig {
  if (!isObj(v)) throw invalidConfig(where, 'must be a mapping');
  notices.push(...checkFields(v, STEP_FIELDS, where));
  const name = str(v.name, `${where}.name`);
  if (name === '') throw invalidConfig(`${where}.name`, 'must not be empty');
  const id = optStr(v.id, `${where}.id`);
  if (id !== undefined && !STEP_ID.test(id)) {
    throw invalidConfig(`${where}.id`, `"${id}" is not a step id`);
  }
  const script = optStr(v.script, `${where}.script`);
  if (script !== undefined && v.args !== undefined) {
    throw invalidConfig(where, 'script and args cannot both be set');
  }
  const exitCodes = v.allowExitCodes === undefined ? [] : v.allowExitCodes;
  if (!Array.isArray(exitCodes) || !exitCodes.every((c) => Number.isInteger(c))) {
    throw invalidConfig(`${where}.allowExitCodes`, 'must be a list of integers');
  }
  return {
    name,
    args: strList(v.args, `${where}.args`),
    env: envList(v.env, `${where}.env`),
    ...(id === undefined ? {} : { id }),
    ...optional('entrypoint', optStr(v.entrypoint, `${where}.entrypoint`)),
    ...optional('dir', optStr(v.dir, `${where}.dir`)),
    ...optional(
      'waitFor',
      v.waitFor === undefined ? undefined : strList(v.waitFor, `${where}.waitFor`),
    ),
    ...optional('timeout', optStr(v.timeout, `${where}.timeout`)),
    ...optional('script', script),
    ...optional(
      'automapSubstitutions',
      bool(v.automapSubstitutions, `${where}.automapSubstitutions`),
    ),
    volumes: volumes(v.volumes, `${where}.volumes`),
    allowFailure: bool(v.allowFailure, `${where}.allowFailure`) ?? false,
    allowExitCodes: exitCodes as number[],
  };
}

function optional<K extends string, V>(key: K, value: V | undefined): Partial<Record<K, V>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, V>);
}

function options(v: unknown, notices: string[]): BuildOptions {
  if (v === undefined) v = {};
  if (!isObj(v)) throw invalidConfig('options', 'must be a mapping');
  notices.push(...checkFields(v, OPTION_FIELDS, 'options'));
  const option = v.substitutionOption ?? SubstitutionOption.MUST_MATCH;
  if (option !== SubstitutionOption.MUST_MATCH && option !== SubstitutionOption.ALLOW_LOOSE) {
    throw invalidConfig('options.substitutionOption', `must be MUST_MATCH or ALLOW_LOOSE`);
  }
  return {
    dynamicSubstitutions: bool(v.dynamicSubstitutions, 'options.dynamicSubstitutions') ?? false,
    substitutionOption: option,
    automapSubstitutions: bool(v.automapSubstitutions, 'options.automapSubstitutions') ?? false,
    env: envList(v.env, 'options.env'),
    volumes: volumes(v.volumes, 'options.volumes'),
  };
}

function substitutions(v: unknown): Record<string, string> {
  if (v === undefined) return {};
  if (!isObj(v)) throw invalidConfig('substitutions', 'must be a mapping');
  // Keys are checked with the overrides, by the substitution engine.
  return Object.fromEntries(
    Object.entries(v).map(([k, value]) => [
      k,
      str(value, `substitutions.${k} (quote it: '${String(value)}')`),
    ]),
  );
}

/** Parses and checks a build config; throws a MaskopsError naming the first problem. */
export function parseBuildConfig(text: string): BuildConfig {
  let doc: unknown;
  try {
    doc = parse(text, { uniqueKeys: true, maxAliasCount: 100 });
  } catch (err) {
    throw invalidConfig(
      'build config',
      `not YAML: ${err instanceof Error ? err.message : String(err)}`,
    );
  }
  if (!isObj(doc)) throw invalidConfig('build config', 'must be a mapping');
  const notices = checkFields(doc, BUILD_FIELDS, 'build');
  if (!Array.isArray(doc.steps) || doc.steps.length === 0) {
    throw invalidConfig('steps', 'at least one step is required');
  }
  if (doc.steps.length > MAX_STEPS) throw invalidConfig('steps', `at most ${MAX_STEPS} steps`);
  const steps = doc.steps.map((s, i) => step(s, `steps[${i}]`, notices));
  return {
    steps,
    images: strList(doc.images, 'images'),
    substitutions: substitutions(doc.substitutions),
    options: options(doc.options, notices),
    ...optional('timeout', optStr(doc.timeout, 'timeout')),
    tags: strList(doc.tags, 'tags'),
    notices,
  };
}
