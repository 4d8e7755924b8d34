import type { DeployCandidate } from '@maskops/shared';
import { Annotation } from '@maskops/shared';

/** A strategic-merge patch body for a Deployment (plain JSON). */
export interface DeploymentPatch {
  metadata: { resourceVersion?: string; annotations: Record<string, string | null> };
  spec: {
    replicas?: number;
    template: {
      metadata?: { annotations: Record<string, string | null> };
      spec: { containers: Array<{ name: string; image: string }> };
    };
  };
}

/**
 * What a rollout changed in one container, and so what its watch looks for and
 * its rollback restores. A promotion records it on the canary Deployment.
 */
export interface RolloutTarget {
  readonly container: string;
  readonly image: string;
  readonly previousImage: string;
  /** The pod template's build-id annotation before the patch (null: none). */
  readonly previousTemplateBuildId: string | null;
  /** A tag deploy stamps the build id on the pod template; a rollback restores it. */
  readonly templateAnnotated: boolean;
}

/** One-line change cause, kept printable and short for `kubectl rollout history`. */
function changeCause(candidate: DeployCandidate, forced = false): string {
  const commit = candidate.commitSha ? ` commit ${candidate.commitSha.slice(0, 12)}` : '';
  const how = forced ? ' (forced by maskops-replay)' : '';
  return `maskops: ${candidate.source} ${candidate.buildId}${commit} → ${candidate.image}${how}`;
}

const withVersion = (resourceVersion: string | undefined) =>
  resourceVersion === undefined ? {} : { resourceVersion };

/**
 * The one builder of a deploy's patch, for the stable and the canary Deployment
 * alike: only `container`'s image, the build's annotations, and for a tag
 * deploy the build id on the pod template. `previousImage` (stable only) is
 * recorded for rollback; `extra` carries the canary's state and `replicas` its size.
 */
export function deployPatch(p: {
  readonly candidate: DeployCandidate;
  readonly container: string;
  readonly resourceVersion: string | undefined;
  /** When `maskops-replay --in-process --force` forced this deploy. */
  readonly forcedAt: string | undefined;
  readonly previousImage?: string;
  readonly replicas?: number;
  readonly extra?: Record<string, string | null>;
}): DeploymentPatch {
  const { candidate } = p;
  return {
    metadata: {
      ...withVersion(p.resourceVersion),
      annotations: {
        [Annotation.CHANGE_CAUSE]: changeCause(candidate, p.forcedAt !== undefined),
        [Annotation.BUILD_ID]: candidate.buildId,
        [Annotation.FINISH_TIME]: candidate.finishTime,
        // null removes a stale commit from an earlier build in a strategic-merge patch.
        [Annotation.COMMIT_SHA]: candidate.commitSha ?? null,
        ...(p.previousImage === undefined
          ? {}
          : {
              [Annotation.PREVIOUS_IMAGE]: p.previousImage || null,
              [Annotation.ROLLBACK_REASON]: null,
            }),
        // Describes the deploy now running: a normal deploy clears an earlier force.
        [Annotation.FORCED_BY_REPLAY]: p.forcedAt ?? null,
        ...p.extra,
      },
    },
    spec: {
      ...(p.replicas === undefined ? {} : { replicas: p.replicas }),
      template: {
        // A tag may point at new content under the same name; a changed pod
        // template annotation is what makes Kubernetes roll the pods anyway.
        ...(candidate.digest === undefined
          ? { metadata: { annotations: { [Annotation.BUILD_ID]: candidate.buildId } } }
          : {}),
        spec: { containers: [{ name: p.container, image: candidate.image }] },
      },
    },
  };
}

/**
 * The rollback of `target`: the previous image (and, for tag deploys, the pod
 * template's build id, so Kubernetes scales the old ReplicaSet back up instead
 * of making a new one). The build-id/finish-time annotations keep naming the
 * failed build: it was processed, and a redelivery of it must not deploy again.
 */
export function rollbackPatch(
  target: RolloutTarget,
  candidate: DeployCandidate,
  reason: string,
  resourceVersion: string | undefined,
): DeploymentPatch {
  const why = `build ${candidate.buildId} (${candidate.image}): ${reason}`.slice(0, 500);
  return {
    metadata: {
      ...withVersion(resourceVersion),
      annotations: {
        [Annotation.ROLLBACK_REASON]: why,
        [Annotation.CHANGE_CAUSE]: `maskops: rollback of ${candidate.buildId} → ${target.previousImage}`,
        [Annotation.PREVIOUS_IMAGE]: target.image,
      },
    },
    spec: {
      template: {
        ...(target.templateAnnotated
          ? { metadata: { annotations: { [Annotation.BUILD_ID]: target.previousTemplateBuildId } } }
          : {}),
        spec: { containers: [{ name: target.container, image: target.previousImage }] },
      },
    },
  };
}
