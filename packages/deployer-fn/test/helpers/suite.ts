import { cloudEventBinary, pubsubMessage } from '@maskops/localcloud';
import type { Cloud, Fn } from './cloud';
import { cloudBuild, startCloud, startFunction } from './cloud';

interface Closable {
  close(): Promise<void>;
}

/**
 * The jest setup every function test file shares: one cloud for the file, and
 * whatever the tests start on it (`track`) closed after the last test.
 */
export function useCloud<C extends Closable>(
  start: () => Promise<C>,
): { readonly cloud: C; track<F extends Closable>(f: F): F } {
  let cloud: C | undefined;
  const started: Closable[] = [];
  beforeAll(async () => {
    cloud = await start();
  });
  afterAll(async () => {
    await Promise.all(started.map((s) => s.close()));
    await cloud?.close();
  });
  return {
    get cloud(): C {
      if (cloud === undefined) throw new Error('the cloud starts in beforeAll');
      return cloud;
    },
    track<F extends Closable>(f: F): F {
      started.push(f);
      return f;
    },
  };
}

type FunctionOptions = NonNullable<Parameters<typeof startFunction>[1]>;

/** `useCloud` with the rolling deployer: `fn()` starts a function, `env` over `defaults`. */
export function functionSuite(defaults: Record<string, string>): {
  readonly cloud: Cloud;
  fn: (opts?: FunctionOptions) => Promise<Fn>;
  track<F extends Closable>(f: F): F;
} {
  const suite = useCloud(startCloud);
  return {
    get cloud() {
      return suite.cloud;
    },
    fn: async (opts = {}) =>
      suite.track(await startFunction(suite.cloud, { ...opts, env: { ...defaults, ...opts.env } })),
    track: (f) => suite.track(f),
  };
}

export const lastLog = (f: Pick<Fn, 'logs'>) => f.logs[f.logs.length - 1];
export const annotations = (f: Pick<Fn, 'deployment'>) =>
  f.deployment().metadata?.annotations ?? {};
/** Delivers a Cloud Build notification (`over` changes the build) as Eventarc would. */
export const deliver = (f: Pick<Fn, 'post'>, over: Record<string, unknown> = {}) =>
  f.post(cloudEventBinary(pubsubMessage(cloudBuild(over))));
