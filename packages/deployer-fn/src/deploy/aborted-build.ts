import type { V1Deployment } from '@kubernetes/client-node';
import { CanaryAnnotation, compareTimestamps, normalizeTimestamp } from '@maskops/shared';

/** A build's place in the delivery order: its ordering key, ties broken by build id. */
export interface BuildKey {
  readonly buildId: string;
  readonly finishTime: string;
}

/** < 0 when `a` comes before `b` in the delivery order, 0 for the same place. */
export function compareBuilds(a: BuildKey, b: BuildKey): number {
  const order = compareTimestamps(a.finishTime, b.finishTime);
  if (order !== 0) return order;
  return a.buildId < b.buildId ? -1 : a.buildId > b.buildId ? 1 : 0;
}

/**
 * The newest aborted canary build, recorded on the stable Deployment
 * (`maskops.dev/canary-aborted`). One record is enough: an abort never moves
 * the ordering key, so every build at or before the newest aborted one is
 * refused (unless forced), however many aborts came before it. A record written
 * before the ordering key was kept in it names only the build.
 */
export function abortedBuild(
  stable: V1Deployment,
): { readonly buildId: string; readonly finishTime?: string } | undefined {
  const raw = stable.metadata?.annotations?.[CanaryAnnotation.ABORTED];
  if (raw === undefined) return undefined;
  try {
    const r = JSON.parse(raw) as { build?: unknown; finishTime?: unknown };
    if (typeof r.build !== 'string') return undefined;
    const finishTime =
      typeof r.finishTime === 'string' ? normalizeTimestamp(r.finishTime) : undefined;
    return { buildId: r.build, ...(finishTime === undefined ? {} : { finishTime }) };
  } catch {
    return undefined;
  }
}
