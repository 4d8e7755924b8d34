import type { V1Deployment } from '@kubernetes/client-node';
import type { DeployCandidate } from '@maskops/shared';
import { Annotation } from '@maskops/shared';
import type { DeployerConfig } from '../config';
import { selectContainer } from '../deploy/select-container';
import type { ModelEvent } from '../model/storage-event';

/** What a model rollout changes: only the container's MODEL_PATH, pinned to one manifest generation. */
interface ModelChange {
  /** formatModelUri: `gs://B/PREFIX/NAME/maskops-model.json#GENERATION`. */
  readonly uri: string;
  readonly bucket: string;
  /** The manifest's object name; generations are comparable only within one object. */
  readonly object: string;
  readonly generation: string;
  /**
   * The build the stable Deployment ran when the rollout was decided: the image a
   * model canary runs, so its `build` metric label (absent: not deployed by a build).
   */
  readonly build?: string;
}

/** The source of a model rollout in log lines (beside cloud-build and artifact-registry). */
export const MODEL_SOURCE = 'cloud-storage';

/**
 * What one rollout deploys: a build (its image), or a model (on the image the
 * stable Deployment runs, which a model rollout keeps). Both go through the
 * same decide → patch → watch → roll back lifecycle and the same canary;
 * `buildId` is the rollout's identity there (`model-GENERATION` for a model).
 */
export type Candidate = Omit<DeployCandidate, 'source'> & {
  readonly source: DeployCandidate['source'] | typeof MODEL_SOURCE;
  readonly model?: ModelChange;
};

export type ModelCandidate = Candidate & { readonly model: ModelChange };

export const isModel = (c: Candidate): c is ModelCandidate => c.model !== undefined;

/** What a log line calls the rollout: `build ID` or `model URI`. */
export const nameOf = (c: Candidate): string =>
  c.model === undefined ? `build ${c.buildId}` : `model ${c.model.uri}`;

/** What a log line or a change cause calls what is deployed: the image, or `model URI`. */
export const describeCandidate = (c: Candidate): string =>
  c.model === undefined ? c.image : `model ${c.model.uri}`;

/**
 * The candidate of a model event against the stable Deployment as read: its
 * image is the one running (kept), its ordering time the manifest's write time
 * (`fallbackTime` when the event carried none).
 */
export function modelCandidate(
  event: ModelEvent,
  stable: V1Deployment,
  config: Pick<DeployerConfig, 'container' | 'image'>,
  fallbackTime: string,
): ModelCandidate {
  const build = stable.metadata?.annotations?.[Annotation.BUILD_ID];
  return {
    source: MODEL_SOURCE,
    repository: config.image,
    image: selectContainer(stable, config.container).image ?? '',
    buildId: `model-${event.generation}`,
    finishTime: event.createdAt ?? fallbackTime,
    model: {
      uri: event.uri,
      bucket: event.bucket,
      object: event.object,
      generation: event.generation,
      ...(build === undefined ? {} : { build }),
    },
  };
}
