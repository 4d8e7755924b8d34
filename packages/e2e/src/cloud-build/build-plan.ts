import type { BuildConfig, StepVolume } from './build-config';
import { parseDuration } from './duration';
import { invalidConfig } from './errors';
import type { BuiltinSubstitution } from './substitutions';
import { createSubstitutor } from './substitutions';

/**
 * What the local build will run: every step with its substitutions applied, the
 * steps it waits for, its timeout in milliseconds; the images to push. Planning
 * does all of Cloud Build's checks, so a build that would be refused never starts.
 */
export interface PlannedStep {
  readonly index: number;
  /** The step's `id`, or `step #N` (as Cloud Build's log names unnamed steps). */
  readonly label: string;
  readonly id?: string;
  readonly name: string;
  readonly entrypoint?: string;
  readonly args: readonly string[];
  /** `options.env`, then the automapped substitutions, then the step's own: the last wins. */
  readonly env: readonly string[];
  /** Relative to /workspace unless absolute. */
  readonly dir?: string;
  /** Run as written: Cloud Build does not substitute into scripts (automapSubstitutions does that). */
  readonly script?: string;
  /** Indexes of the steps that must have finished first; empty: starts at once. */
  readonly waitFor: readonly number[];
  /** `waitFor` as written, for the Build resource. */
  readonly waitForIds?: readonly string[];
  readonly timeoutMs?: number;
  readonly volumes: readonly StepVolume[];
  readonly allowFailure: boolean;
  readonly allowExitCodes: readonly number[];
}

export interface BuildPlan {
  readonly steps: readonly PlannedStep[];
  readonly images: readonly string[];
  readonly timeoutMs: number;
  /** The substitutions the Build resource lists. */
  readonly substitutions: Readonly<Record<string, string>>;
  readonly tags: readonly string[];
  readonly notices: readonly string[];
}

export interface PlanInput {
  readonly builtins: Readonly<Partial<Record<BuiltinSubstitution, string>>>;
  /** The trigger's or `--substitutions` user values. */
  readonly overrides?: Readonly<Record<string, string>>;
}

// Build.timeout when the file sets none, per the API reference; the most it may be is 24 h.
const DEFAULT_TIMEOUT_MS = 60 * 60 * 1000;
const MAX_TIMEOUT_MS = 24 * 60 * 60 * 1000;

export function planBuild(config: BuildConfig, input: PlanInput): BuildPlan {
  const subs = createSubstitutor({
    builtins: input.builtins,
    defaults: config.substitutions,
    overrides: input.overrides,
    dynamic: config.options.dynamicSubstitutions,
    option: config.options.substitutionOption,
  });
  const ids = new Map<string, number>();
  const steps = config.steps.map((s, index): PlannedStep => {
    const at = `steps[${index}]`;
    const x = (text: string, where: string): string => subs.expand(text, `${at}.${where}`);
    const waitFor = dependencies(s.waitFor, index, ids, at);
    if (s.id !== undefined) {
      if (ids.has(s.id))
        throw invalidConfig(`${at}.id`, `"${s.id}" is already the id of another step`);
      ids.set(s.id, index);
    }
    return {
      index,
      label: s.id ?? `step #${index}`,
      ...(s.id === undefined ? {} : { id: s.id }),
      name: x(s.name, 'name'),
      ...(s.entrypoint === undefined ? {} : { entrypoint: x(s.entrypoint, 'entrypoint') }),
      args: s.args.map((a, i) => x(a, `args[${i}]`)),
      env: [
        ...config.options.env.map((e, i) => subs.expand(e, `options.env[${i}]`)),
        ...s.env.map((e, i) => x(e, `env[${i}]`)),
      ],
      ...(s.dir === undefined ? {} : { dir: x(s.dir, 'dir') }),
      ...(s.script === undefined ? {} : { script: s.script }),
      waitFor,
      ...(s.waitFor === undefined ? {} : { waitForIds: s.waitFor }),
      ...(s.timeout === undefined ? {} : { timeoutMs: parseDuration(s.timeout, `${at}.timeout`) }),
      volumes: [...config.options.volumes, ...s.volumes],
      allowFailure: s.allowFailure,
      allowExitCodes: s.allowExitCodes,
    };
  });
  const images = config.images.map((image, i) => subs.expand(image, `images[${i}]`));
  // Automapped substitutions reach the steps' environment, so none of them is unused.
  if (!config.options.automapSubstitutions && !config.steps.some((s) => s.automapSubstitutions)) {
    subs.checkAllUsed();
  }
  const substitutions = subs.published();
  const timeoutMs =
    config.timeout === undefined ? DEFAULT_TIMEOUT_MS : parseDuration(config.timeout, 'timeout');
  if (timeoutMs > MAX_TIMEOUT_MS) throw invalidConfig('timeout', 'at most 24 hours (86400s)');
  return {
    steps: steps.map((s, i) => withAutomap(s, config, i, substitutions)),
    images,
    timeoutMs,
    substitutions,
    tags: config.tags,
    notices: config.notices,
  };
}

/** The steps `waitFor` names: `['-']` none, absent all earlier ones, else earlier ids. */
function dependencies(
  waitFor: readonly string[] | undefined,
  index: number,
  ids: ReadonlyMap<string, number>,
  at: string,
): number[] {
  if (waitFor === undefined) return [...Array(index).keys()];
  if (waitFor.includes('-')) {
    if (waitFor.length > 1) throw invalidConfig(`${at}.waitFor`, '"-" must be alone');
    return [];
  }
  return waitFor.map((id, i) => {
    const dep = ids.get(id);
    // Cloud Build only lets a step wait for steps above it, which also rules out cycles.
    if (dep === undefined) {
      throw invalidConfig(`${at}.waitFor[${i}]`, `"${id}" is not the id of an earlier step`);
    }
    return dep;
  });
}

/** With automapSubstitutions, every substitution reaches the step as an env variable. */
function withAutomap(
  step: PlannedStep,
  config: BuildConfig,
  index: number,
  substitutions: Readonly<Record<string, string>>,
): PlannedStep {
  const automap = config.steps[index].automapSubstitutions ?? config.options.automapSubstitutions;
  if (!automap) return step;
  const mapped = Object.entries(substitutions).map(([k, v]) => `${k}=${v}`);
  const global = config.options.env.length;
  return { ...step, env: [...step.env.slice(0, global), ...mapped, ...step.env.slice(global)] };
}
