import { docker } from '../container/docker';
import { manifestDigest } from '../container/local-registry';
import type { BuildOutcome } from './build-resource';

/**
 * What Cloud Build does with `images:` once every step has succeeded: push each one,
 * and record the digest the registry answers (results.images, what the deployer pins).
 * Images go to the local registry: the names must be on a loopback registry.
 */
type PushedImage = BuildOutcome['images'][number];

export async function pushImages(
  images: readonly string[],
  log: (line: string) => void,
): Promise<PushedImage[]> {
  const pushed: PushedImage[] = [];
  for (const name of images) {
    const startTime = new Date().toISOString();
    log(`[push] ${name}`);
    let digest: string;
    try {
      await docker(['push', name]);
      digest = await manifestDigest(name);
    } catch (err) {
      // The last line is the engine's or the registry's reason.
      const why = (err instanceof Error ? err.message : String(err)).trim().split('\n').at(-1);
      throw new Error(`pushing ${name} failed: ${why ?? ''}`, { cause: err });
    }
    log(`[push] ${name} ${digest}`);
    pushed.push({ name, digest, pushTiming: { startTime, endTime: new Date().toISOString() } });
  }
  return pushed;
}
