import type { V1Deployment } from '@kubernetes/client-node';
import type { ModelUri } from '@maskops/shared';
import {
  CanaryAnnotation,
  compareTimestamps,
  normalizeTimestamp,
  parseModelUri,
} from '@maskops/shared';

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
  which: 'build' | 'model' = 'build',
):
  | { readonly buildId: string; readonly finishTime?: string; readonly model?: ModelUri }
  | undefined {
  // Models keep their own record: a model's write time says nothing about a build's order.
  const key = which === 'model' ? CanaryAnnotation.ABORTED_MODEL : CanaryAnnotation.ABORTED;
  const raw = stable.metadata?.annotations?.[key];
  if (raw === undefined) return undefined;
  try {
    const r = JSON.parse(raw) as { build?: unknown; finishTime?: unknown; model?: unknown };
    if (typeof r.build !== 'string') return undefined;
    const finishTime =
      typeof r.finishTime === 'string' ? normalizeTimestamp(r.finishTime) : undefined;
    const model = typeof r.model === 'string' ? parseModelUri(r.model) : undefined;
    return {
      buildId: r.build,
      ...(finishTime === undefined ? {} : { finishTime }),
      ...(model === undefined ? {} : { model }),
    };
  } catch {
    return undefined;
  }
}

/**
 * < 0 when generation `a` of a manifest is older than `b`, > 0 newer, 0 the
 * same; undefined for two different manifests (their generations do not order).
 */
export function compareModels(a: ModelUri, b: ModelUri): number | undefined {
  if (a.bucket !== b.bucket || a.object !== b.object) return undefined;
  const [x, y] = [BigInt(a.generation), BigInt(b.generation)];
  return x < y ? -1 : x > y ? 1 : 0;
}
