import type { Deployment } from './deployment-object';
import { isObj } from '@maskops/shared';
import { deepEqual } from './json-value';
import { buildStatus, templateHash } from './rollout-status';
import type { Progress } from './rollout-status';
import type { DeploymentStore, WriteNotice, WriteOptions } from './store';

/** `external`: the controller leaves status alone; the caller drives it (`setDeploymentStatus`). */
export const ROLLOUT_MODE = {
  succeed: 'succeed',
  fail: 'fail',
  hang: 'hang',
  external: 'external',
} as const;
export type RolloutMode = (typeof ROLLOUT_MODE)[keyof typeof ROLLOUT_MODE];

interface Rollout {
  mode: RolloutMode;
  hash: string;
  progress: Progress;
  phase: 'starting' | 'running' | 'complete' | 'stuck';
  timer?: NodeJS.Timeout;
}

const REVISION = 'deployment.kubernetes.io/revision';

function key(namespace: string, name: string): string {
  return `${namespace}/${name}`;
}

function images(d: Deployment): string[] {
  const spec = isObj(d.spec.template.spec) ? d.spec.template.spec : {};
  const containers = Array.isArray(spec.containers) ? spec.containers : [];
  return containers.map((c: unknown) => (isObj(c) ? String(c.image) : ''));
}

/**
 * Plays the deployment controller and the kubelets: moves `status` forward one step every
 * `stepMs` after a template change, succeeding, failing (ProgressDeadlineExceeded) or hanging.
 */
export class RolloutController {
  private readonly rollouts = new Map<string, Rollout>();
  private readonly modes = new Map<string, RolloutMode>();
  private readonly imageModes = new Map<string, RolloutMode>();
  private readonly revisions = new Map<string, Map<string, number>>();

  constructor(
    private readonly store: DeploymentStore,
    private readonly stepMs: number,
  ) {
    store.onWrite = (notice, opts) => this.onWrite(notice, opts);
  }

  setMode(namespace: string, name: string, mode: RolloutMode): void {
    const k = key(namespace, name);
    this.modes.set(k, mode);
    if (mode === ROLLOUT_MODE.external) {
      clearTimeout(this.rollouts.get(k)?.timer);
      this.rollouts.delete(k);
    }
  }

  /** A rollout to a template running `image` uses `mode`, whatever the deployment's mode. */
  setImageMode(image: string, mode: RolloutMode): void {
    this.imageModes.set(image, mode);
  }

  stop(): void {
    for (const rollout of this.rollouts.values()) clearTimeout(rollout.timer);
    this.rollouts.clear();
  }

  private modeFor(d: Deployment): RolloutMode {
    for (const image of images(d)) {
      const mode = this.imageModes.get(image);
      if (mode) return mode;
    }
    return this.modes.get(key(d.metadata.namespace, d.metadata.name)) ?? ROLLOUT_MODE.succeed;
  }

  private onWrite({ before, after }: WriteNotice, opts: WriteOptions): void {
    const k = key(after.metadata.namespace, after.metadata.name);
    const previous = this.rollouts.get(k);
    const generation = Number(after.metadata.generation);
    const desired = after.spec.replicas;
    if (opts.settled) {
      clearTimeout(previous?.timer);
      const progress = this.progress(
        generation,
        desired,
        desired,
        desired,
        0,
        'NewReplicaSetAvailable',
        after,
      );
      this.rollouts.set(k, {
        mode: this.modeFor(after),
        hash: templateHash(after.spec.template),
        progress,
        phase: 'complete',
      });
      this.recordRevision(after);
      this.store.writeStatus(
        after.metadata.namespace,
        after.metadata.name,
        buildStatus(progress, after.status),
      );
      return;
    }
    if (this.modeFor(after) === ROLLOUT_MODE.external) {
      clearTimeout(previous?.timer);
      this.rollouts.delete(k);
      return;
    }
    const templateChanged = !before || !deepEqual(before.spec.template, after.spec.template);
    if (!templateChanged && previous) {
      if (generation === previous.progress.observedGeneration) return;
      if (previous.phase === 'complete') {
        previous.phase = 'running';
        previous.progress = {
          ...previous.progress,
          updated: Math.min(previous.progress.updated, desired),
          newReady: Math.min(previous.progress.newReady, desired),
        };
      }
      this.schedule(k, previous);
      return;
    }
    clearTimeout(previous?.timer);
    const status = after.status ?? {};
    const available = Number(status.availableReplicas ?? 0);
    const progress = this.progress(
      Number(status.observedGeneration ?? 0),
      desired,
      0,
      0,
      available,
      'ReplicaSetUpdated',
      after,
    );
    const rollout: Rollout = {
      mode: this.modeFor(after),
      hash: templateHash(after.spec.template),
      progress,
      phase: 'starting',
    };
    this.rollouts.set(k, rollout);
    this.schedule(k, rollout);
  }

  private progress(
    observedGeneration: number,
    desired: number,
    updated: number,
    newReady: number,
    oldRemaining: number,
    reason: string,
    d: Deployment,
  ): Progress {
    return {
      observedGeneration,
      desired,
      updated,
      newReady,
      oldRemaining,
      progressing: this.progressing('True', reason, d),
    };
  }

  private progressing(
    status: 'True' | 'False',
    reason: string,
    d: Deployment,
  ): Progress['progressing'] {
    const rs = `${d.metadata.name}-${templateHash(d.spec.template)}`;
    const message =
      reason === 'NewReplicaSetAvailable'
        ? `ReplicaSet "${rs}" has successfully progressed.`
        : reason === 'ProgressDeadlineExceeded'
          ? `ReplicaSet "${rs}" has timed out progressing.`
          : `ReplicaSet "${rs}" is progressing.`;
    return { status, reason, message };
  }

  private schedule(k: string, rollout: Rollout): void {
    clearTimeout(rollout.timer);
    rollout.timer = setTimeout(() => this.tick(k, rollout), this.stepMs);
    rollout.timer.unref();
  }

  private recordRevision(d: Deployment): void {
    const k = key(d.metadata.namespace, d.metadata.name);
    const history = this.revisions.get(k) ?? new Map<string, number>();
    this.revisions.set(k, history);
    const hash = templateHash(d.spec.template);
    const latest = Math.max(0, ...history.values());
    // Kubernetes gives a rolled-back-to template the next revision number too.
    if (history.get(hash) !== latest || latest === 0) history.set(hash, latest + 1);
    const revision = String(history.get(hash));
    const annotations = isObj(d.metadata.annotations) ? d.metadata.annotations : {};
    if (annotations[REVISION] !== revision) {
      this.store.writeAnnotations(d.metadata.namespace, d.metadata.name, { [REVISION]: revision });
    }
  }

  private tick(k: string, rollout: Rollout): void {
    if (this.rollouts.get(k) !== rollout) return;
    const [namespace, name] = k.split('/') as [string, string];
    const d = this.store.get(namespace, name);
    if (!d) {
      this.rollouts.delete(k);
      return;
    }
    const p = rollout.progress;
    p.desired = d.spec.replicas;
    const generation = Number(d.metadata.generation);
    if (rollout.phase === 'starting') {
      this.recordRevision(d);
      rollout.phase = 'running';
      p.observedGeneration = generation;
    } else if (rollout.phase === 'stuck') {
      p.observedGeneration = generation;
    } else if (rollout.mode !== ROLLOUT_MODE.succeed && p.desired > 0 && p.updated >= 1) {
      // The new pods never become ready: 'hang' stays Progressing, 'fail' hits the deadline.
      rollout.phase = 'stuck';
      p.observedGeneration = generation;
      if (rollout.mode === ROLLOUT_MODE.fail) {
        p.progressing = this.progressing('False', 'ProgressDeadlineExceeded', d);
      }
    } else if (p.newReady < p.updated) {
      p.newReady += 1;
      p.oldRemaining = Math.max(0, Math.min(p.oldRemaining, p.desired - p.newReady));
    } else if (p.updated < p.desired) {
      p.updated += 1;
    } else {
      p.updated = p.desired;
      p.newReady = p.desired;
      p.oldRemaining = 0;
    }
    p.observedGeneration = generation;
    const done = p.updated === p.desired && p.newReady === p.desired && p.oldRemaining === 0;
    if (done && rollout.phase === 'running') {
      rollout.phase = 'complete';
      p.progressing = this.progressing('True', 'NewReplicaSetAvailable', d);
    }
    this.store.writeStatus(namespace, name, buildStatus(p, d.status));
    if (rollout.phase === 'running') this.schedule(k, rollout);
  }
}
