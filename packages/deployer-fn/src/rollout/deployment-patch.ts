import type { V1Deployment } from '@kubernetes/client-node';
import { Annotation } from '@maskops/shared';
import type { Candidate } from './candidate';
import { describeCandidate } from './candidate';
import { MODEL_PATH_ENV, modelPathOf } from '../deploy/model-path';

/** An env entry of a patch; `$patch: delete` removes the entry (a rollback to no MODEL_PATH). */
type EnvPatch = { name: string; value: string } | { name: string; $patch: 'delete' };

/** A strategic-merge patch body for a Deployment (plain JSON). */
export interface DeploymentPatch {
  metadata: { resourceVersion?: string; annotations: Record<string, string | null> };
  spec: {
    replicas?: number;
    template: {
      metadata?: { annotations: Record<string, string | null> };
      // env merges by name: only MODEL_PATH is ever named, the rest of the list stays.
      spec: { containers: Array<{ name: string; image?: string; env?: EnvPatch[] }> };
    };
  };
}

/**
 * What a rollout changed in one container, and so what its watch looks for and
 * its rollback restores. A promotion records it on the canary Deployment.
 */
export interface RolloutTarget {
  readonly container: string;
  /** The image after the patch (a model rollout keeps it: the same as previousImage). */
  readonly image: string;
  readonly previousImage: string;
  /** The pod template's build-id annotation before the patch (null: none). */
  readonly previousTemplateBuildId: string | null;
  /** A tag deploy stamps the build id on the pod template; a rollback restores it. */
  readonly templateAnnotated: boolean;
  /** A model rollout: the MODEL_PATH it set, and the one before (null: none). */
  readonly model?: { readonly path: string; readonly previousPath: string | null };
}

/** What a target's rollout is called in log lines. */
export const describeTarget = (t: RolloutTarget): string =>
  t.model === undefined ? t.image : `model ${t.model.path}`;

/**
 * What the container runs instead of `target`, when someone else changed it
 * meanwhile (another image, or for a model rollout another MODEL_PATH); else undefined.
 */
export function supersededBy(d: V1Deployment, target: RolloutTarget): string | undefined {
  const running = d.spec?.template?.spec?.containers?.find((c) => c.name === target.container);
  if (running?.image !== target.image) return running?.image ?? '';
  const path = modelPathOf(running);
  if (target.model !== undefined && path !== target.model.path) {
    return `MODEL_PATH ${path ?? '(unset)'}`;
  }
  return undefined;
}

/** One-line change cause, kept printable and short for `kubectl rollout history`. */
function changeCause(candidate: Candidate, forced = false): string {
  const how = forced ? ' (forced by maskops-replay)' : '';
  if (candidate.model !== undefined) return `maskops: model → ${candidate.model.uri}${how}`;
  const commit = candidate.commitSha ? ` commit ${candidate.commitSha.slice(0, 12)}` : '';
  return `maskops: ${candidate.source} ${candidate.buildId}${commit} → ${candidate.image}${how}`;
}

const withVersion = (resourceVersion: string | undefined) =>
  resourceVersion === undefined ? {} : { resourceVersion };

const modelPathEnv = (path: string | null): EnvPatch[] => [
  path === null
    ? { name: MODEL_PATH_ENV, $patch: 'delete' }
    : { name: MODEL_PATH_ENV, value: path },
];

/**
 * The annotations that record what was deployed. A build records its id and
 * ordering key; a model its URI and generation. Neither touches the other's, so
 * an image rollout never moves the model's order and a model rollout never the build's.
 */
function deployedAnnotations(
  candidate: Candidate,
  previous: { image?: string; modelPath?: string | null },
): Record<string, string | null> {
  if (candidate.model !== undefined) {
    return {
      [Annotation.MODEL_URI]: candidate.model.uri,
      [Annotation.MODEL_GENERATION]: candidate.model.generation,
      ...(previous.modelPath === undefined
        ? {}
        : {
            [Annotation.PREVIOUS_MODEL_PATH]: previous.modelPath,
            [Annotation.ROLLBACK_REASON]: null,
          }),
    };
  }
  return {
    [Annotation.BUILD_ID]: candidate.buildId,
    [Annotation.FINISH_TIME]: candidate.finishTime,
    // null removes a stale commit from an earlier build in a strategic-merge patch.
    [Annotation.COMMIT_SHA]: candidate.commitSha ?? null,
    ...(previous.image === undefined
      ? {}
      : {
          [Annotation.PREVIOUS_IMAGE]: previous.image || null,
          [Annotation.ROLLBACK_REASON]: null,
        }),
  };
}

/**
 * The one builder of a deploy's patch, for the stable and the canary Deployment
 * alike. On the stable Deployment a build sets only `container`'s image (for a
 * tag deploy also the build id on the pod template) and a model only its
 * MODEL_PATH; `previous` (stable only) is recorded for rollback. The canary
 * Deployment gets the whole change (`canaryModelPath`: the image and the
 * MODEL_PATH it must run), `extra` its state and `replicas` its size.
 */
export function deployPatch(p: {
  readonly candidate: Candidate;
  readonly container: string;
  readonly resourceVersion: string | undefined;
  /** When `maskops-replay --in-process --force` forced this deploy. */
  readonly forcedAt: string | undefined;
  readonly previous?: { readonly image?: string; readonly modelPath?: string | null };
  /** Canary only: MODEL_PATH beside the image (null: leave the env alone). */
  readonly canaryModelPath?: string | null;
  readonly replicas?: number;
  readonly extra?: Record<string, string | null>;
}): DeploymentPatch {
  const { candidate } = p;
  const canary = p.canaryModelPath !== undefined;
  const stableModel = candidate.model !== undefined && !canary;
  const modelPath = canary ? p.canaryModelPath : stableModel ? candidate.model?.uri : undefined;
  return {
    metadata: {
      ...withVersion(p.resourceVersion),
      annotations: {
        [Annotation.CHANGE_CAUSE]: changeCause(candidate, p.forcedAt !== undefined),
        ...deployedAnnotations(candidate, p.previous ?? {}),
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
        ...(candidate.digest === undefined && candidate.model === undefined
          ? { metadata: { annotations: { [Annotation.BUILD_ID]: candidate.buildId } } }
          : {}),
        spec: {
          containers: [
            {
              name: p.container,
              ...(stableModel ? {} : { image: candidate.image }),
              ...(modelPath === undefined || modelPath === null
                ? {}
                : { env: modelPathEnv(modelPath) }),
            },
          ],
        },
      },
    },
  };
}

/**
 * The rollback of `target`: the previous image (and, for tag deploys, the pod
 * template's build id, so Kubernetes scales the old ReplicaSet back up instead
 * of making a new one), or for a model the previous MODEL_PATH. The deployed
 * annotations keep naming the failed build or model: it was processed, and a
 * redelivery of it must not deploy again.
 */
export function rollbackPatch(
  target: RolloutTarget,
  candidate: Candidate,
  reason: string,
  resourceVersion: string | undefined,
): DeploymentPatch {
  const what =
    candidate.model === undefined
      ? `build ${candidate.buildId} (${candidate.image})`
      : describeCandidate(candidate);
  const why = `${what}: ${reason}`.slice(0, 500);
  if (target.model !== undefined) {
    const back = target.model.previousPath;
    return {
      metadata: {
        ...withVersion(resourceVersion),
        annotations: {
          [Annotation.ROLLBACK_REASON]: why,
          [Annotation.CHANGE_CAUSE]: `maskops: rollback of model ${candidate.model?.generation ?? candidate.buildId} → MODEL_PATH ${back ?? '(unset)'}`,
          [Annotation.PREVIOUS_MODEL_PATH]: target.model.path,
        },
      },
      spec: {
        template: { spec: { containers: [{ name: target.container, env: modelPathEnv(back) }] } },
      },
    };
  }
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
