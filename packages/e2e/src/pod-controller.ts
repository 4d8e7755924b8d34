import { sleep } from '@maskops/localcloud';
import type { KubeApiServer } from '@maskops/localcloud';
import type { DeploymentSpec } from './container/pod-run';
import { containerEnv, PodPhase, type PodRuntime, type RunningPod } from './pod-runtime';
import type { ServiceProxy } from './service-proxy';

/** The slice of the Kubernetes stand-in the controller drives. */
export type DeploymentAccess = Pick<KubeApiServer, 'getDeployment' | 'setDeploymentStatus'>;

/** Where pods are scraped (localcloud's Prometheus stand-in): targets follow the pods. */
interface ScrapeTargets {
  addTarget(target: { url: string; labels?: Record<string, string> }): void;
  removeTarget(url: string): void;
}

export interface PodControllerOptions {
  kube: DeploymentAccess;
  namespace: string;
  deployment: string;
  container: string;
  /** How pods run: host processes (process-runtime.ts) or containers (container/). */
  runtime: PodRuntime;
  service: ServiceProxy;
  /** Env every pod gets on top of its image's. */
  podEnv?: Record<string, string>;
  /** Scrape each pod's /metrics from its start to its exit. */
  scrapeTargets?: ScrapeTargets;
  readyTimeoutMs?: number;
  /** The drain before SIGKILL; default: the pod's own (a process pod: 15 s). */
  terminationGraceMs?: number;
  pollMs?: number;
  /** One line per step of a rollout. */
  onEvent?: (message: string) => void;
  onPodLog?: (pod: string, line: string) => void;
}

/** What the Deployment asks for, as far as this controller acts on it. */
interface Want {
  generation: number;
  deployment: DeploymentSpec;
  replicas: number;
  image: string;
  /** The container's literal env (`value` entries), set on the pod over `podEnv`. */
  env: Record<string, string>;
  /** Image and env: a change of either is a new revision, rolled out pod by pod. */
  template: string;
  deadlineMs: number;
}

/**
 * Plays the Deployment controller, the kubelet and the endpoints controller for
 * one Deployment whose pods are real inference-api processes or containers (the
 * runtime decides). A new revision (image
 * or env) rolls out with
 * maxSurge 1 / maxUnavailable 0: start a new pod, wait for /readyz, add it to the
 * Service, take one old pod out of the Service, SIGTERM it, wait for its drain.
 * Scaling down (a canary going to 0) retires pods the same way. Its endpoints are its
 * own group of the Service's (a second controller can feed the same Service).
 */
export class PodController {
  private pods: RunningPod[] = [];
  private running = false;
  private loop: Promise<void> | undefined;
  private serial = 0;
  private failedTemplate: string | undefined;
  private conditionKey = '';
  private conditionTime = '';

  constructor(private readonly o: PodControllerOptions) {}

  start(): void {
    this.running = true;
    this.loop = this.run();
  }

  async stop(): Promise<void> {
    this.running = false;
    await this.loop;
    this.o.service.setEndpoints([], this.o.deployment);
    await Promise.all(this.pods.map((p) => this.retire(p)));
    this.pods = [];
  }

  podsSnapshot(): Array<{ name: string; image: string; phase: string }> {
    return this.pods.map((p) => ({ name: p.name, image: p.image, phase: p.phase }));
  }

  private emit(message: string): void {
    this.o.onEvent?.(message);
  }

  private read(): Want | undefined {
    const dep = this.o.kube.getDeployment(this.o.namespace, this.o.deployment);
    if (!dep) return undefined;
    const c = dep.spec.template.spec.containers.find((x) => x.name === this.o.container);
    if (!c) return undefined;
    const env = containerEnv(c.env);
    return {
      generation: dep.metadata.generation ?? 1,
      deployment: dep as unknown as DeploymentSpec,
      replicas: dep.spec.replicas,
      image: c.image,
      env,
      template: JSON.stringify([c.image, env]),
      deadlineMs: (dep.spec.progressDeadlineSeconds ?? 600) * 1000,
    };
  }

  private publish(
    want: Want,
    progressing: { status: string; reason: string; message: string },
  ): void {
    const { generation, replicas } = want;
    const updated = this.pods.filter((p) => this.templateOf(p) === want.template);
    const ready = this.pods.filter((p) => p.phase === PodPhase.READY);
    // As the Deployment controller does: a condition's times move only when the
    // condition does. A fresh timestamp on every 200 ms poll would be a status
    // write each time, a new resourceVersion that fails every other writer's
    // compare-and-swap (the deployer's canary state) for nothing.
    const key = JSON.stringify([ready.length >= replicas, progressing]);
    if (key !== this.conditionKey) {
      this.conditionKey = key;
      this.conditionTime = new Date().toISOString();
    }
    const now = this.conditionTime;
    this.o.kube.setDeploymentStatus(this.o.namespace, this.o.deployment, {
      observedGeneration: generation,
      replicas: this.pods.length,
      updatedReplicas: updated.length,
      readyReplicas: ready.length,
      availableReplicas: ready.length,
      unavailableReplicas: Math.max(0, replicas - ready.length),
      conditions: [
        {
          type: 'Available',
          status: ready.length >= replicas ? 'True' : 'False',
          reason:
            ready.length >= replicas ? 'MinimumReplicasAvailable' : 'MinimumReplicasUnavailable',
          lastUpdateTime: now,
          lastTransitionTime: now,
        },
        { type: 'Progressing', ...progressing, lastUpdateTime: now, lastTransitionTime: now },
      ],
    });
  }

  /** The pod template (image and env) each pod was started from. */
  private readonly templates = new Map<RunningPod, string>();

  private templateOf(p: RunningPod): string | undefined {
    return this.templates.get(p);
  }

  private syncEndpoints(): void {
    this.o.service.setEndpoints(
      this.pods
        .filter((p) => p.phase === PodPhase.READY)
        .map((p) => ({ name: p.name, port: p.port })),
      this.o.deployment,
    );
  }

  /** SIGTERM, the drain, then the pod's metrics target goes. */
  private async retire(pod: RunningPod): Promise<number | null> {
    const code = await pod.terminate(this.o.terminationGraceMs);
    this.o.scrapeTargets?.removeTarget(`${pod.metricsUrl}/metrics`);
    return code;
  }

  private async run(): Promise<void> {
    while (this.running) {
      const want = this.read();
      if (want && this.failedTemplate !== `${want.generation}`) {
        const stale = this.pods.filter((p) => this.templateOf(p) !== want.template);
        const current = this.pods.filter((p) => this.templateOf(p) === want.template);
        if (stale.length > 0 || current.length !== want.replicas) {
          await this.step(want, stale, current);
          continue;
        }
        this.publish(want, {
          status: 'True',
          reason: 'NewReplicaSetAvailable',
          message: `ReplicaSet for ${want.image} has successfully progressed.`,
        });
      }
      await sleep(this.o.pollMs ?? 200);
    }
  }

  /** One surge step: bring up one new pod, then retire one old pod. */
  private async step(want: Want, stale: RunningPod[], current: RunningPod[]): Promise<void> {
    this.publish(want, {
      status: 'True',
      reason: 'ReplicaSetUpdated',
      message: `rolling out ${want.image}`,
    });
    if (current.length < want.replicas) {
      let image;
      try {
        image = await this.o.runtime.pull(want.image);
      } catch (err) {
        const why = err instanceof Error ? err.message : String(err);
        this.emit(`cannot pull ${want.image}: ${why}`);
        return this.fail(want, `image ${want.image} not pulled: ${why}`);
      }
      const name = `${this.o.deployment}-${image.digest.slice(7, 15)}-${++this.serial}`;
      this.emit(
        `start pod ${name} (${want.image.split('@')[0].split('/').pop()}@${image.digest.slice(7, 19)}, build ${image.buildId ?? '?'})`,
      );
      let pod: RunningPod;
      try {
        pod = await this.o.runtime.start({
          name,
          image,
          deployment: want.deployment,
          container: this.o.container,
          env: this.o.podEnv ?? {},
          onLog: this.o.onPodLog,
        });
      } catch (err) {
        const why = err instanceof Error ? err.message : String(err);
        this.emit(`pod ${name} did not start: ${why}`);
        return this.fail(want, `pod ${name} did not start: ${why}`);
      }
      this.o.scrapeTargets?.addTarget({
        url: `${pod.metricsUrl}/metrics`,
        labels: { namespace: this.o.namespace, pod: name },
      });
      this.pods.push(pod);
      this.templates.set(pod, want.template);
      const ok = await pod.waitReady(Math.min(want.deadlineMs, this.o.readyTimeoutMs ?? 120000));
      if (!ok) {
        this.emit(`pod ${name} never became ready`);
        this.pods = this.pods.filter((p) => p !== pod);
        await pod.terminate(1000);
        this.o.scrapeTargets?.removeTarget(`${pod.metricsUrl}/metrics`);
        return this.fail(want, `pod ${name} did not pass /readyz`);
      }
      this.syncEndpoints();
      this.emit(
        `pod ${name} ready, added to the service (${this.o.service.listEndpoints().length} endpoints)`,
      );
    }
    // An old pod, or one too many after a scale-down.
    const old = stale[0] ?? (current.length > want.replicas ? current[0] : undefined);
    // maxUnavailable 0: a pod goes only while more than `replicas` pods are ready.
    if (old && this.pods.filter((p) => p.phase === PodPhase.READY).length > want.replicas) {
      this.pods = this.pods.filter((p) => p !== old);
      this.syncEndpoints();
      this.emit(`pod ${old.name} removed from the service, SIGTERM`);
      const code = await this.retire(old);
      this.emit(`pod ${old.name} drained and exited with ${code}`);
    }
    this.publish(want, {
      status: 'True',
      reason: 'ReplicaSetUpdated',
      message: `rolling out ${want.image}`,
    });
  }

  private fail(want: Want, message: string): void {
    this.failedTemplate = `${want.generation}`;
    this.publish(want, {
      status: 'False',
      reason: 'ProgressDeadlineExceeded',
      message,
    });
  }
}
