/**
 * Where the local build knowingly differs from Cloud Build's worker, and why. On
 * Google a build runs on its own machine with nothing else on it; here its steps share
 * the cores with the pods they deploy (the container demo), and no builder cache
 * outlives a build. Both options are the caller's choice and off by default, so a plain
 * local build runs each step as Cloud Build does.
 */
export interface LocalStepOptions {
  /**
   * `docker run --cpu-shares` for every step container: a low weight lets the pods
   * (default 1024) win the cores while a build runs, as if the build ran elsewhere.
   * It covers the step containers only: a `docker build` a step starts runs its RUN
   * instructions in containers the engine makes, at the default weight.
   */
  readonly cpuShares?: number;
  /**
   * Named volumes that outlive the build, mounted at `path` into every step of image
   * `image`, with `env` telling the tools to use them: the local stand-in for a
   * builder cache (pnpm's content-addressed store, npm's cache), which Cloud Build
   * does not give. The step's own `env` comes later and wins.
   */
  readonly caches?: readonly StepCache[];
}

interface StepCache {
  readonly image: string;
  readonly volume: string;
  readonly path: string;
  readonly env: readonly string[];
}

/** `docker run` arguments for a step of IMAGE under these options. */
export function localStepArgs(o: LocalStepOptions, image: string): string[] {
  const args: string[] = [];
  if (o.cpuShares !== undefined) args.push('--cpu-shares', String(o.cpuShares));
  for (const c of o.caches ?? []) {
    if (c.image !== image) continue;
    args.push('--mount', `type=volume,src=${c.volume},dst=${c.path}`);
    for (const e of c.env) args.push('--env', e);
  }
  return args;
}
