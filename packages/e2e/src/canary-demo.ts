import type { DeploymentView } from '@maskops/localcloud';
import { cloudEventBinary, pubsubMessage, sleep, type FunctionProcess } from '@maskops/localcloud';
import {
  Annotation,
  CanaryAnnotation,
  canaryDeploymentName,
  Track,
  TRACK_LABEL,
} from '@maskops/shared';
import type { DeploymentAccess } from './pod-controller';
import type { PushBuild, PushBuilder } from './push-builds';
import { waitRollout } from './wait-rollout';

/**
 * The canary strategy in the local pipeline (`pnpm start --canary`): the `-canary`
 * Deployment at 0 replicas next to the stable one, the deployer's canary settings with
 * short intervals, and one push judged by the deployer's analysis. Every even push builds
 * the demo model that finds nothing (a build substitution), which the analysis must abort.
 */
export const CanaryVerdict = { PROMOTED: 'promoted', ABORTED: 'aborted' } as const;
export type CanaryVerdict = (typeof CanaryVerdict)[keyof typeof CanaryVerdict];

const NAME_LABEL = 'app.kubernetes.io/name';

/** The pod labels and selector of one track (infra/k8s: the Service selects the name only). */
export function trackLabels(deployment: string, track: Track): Record<string, string> {
  return { [NAME_LABEL]: deployment, [TRACK_LABEL]: track };
}

/** `<deployment>-canary` as infra/k8s creates it: the stable template, 0 replicas. */
export function canaryDeployment(stable: DeploymentView): Record<string, unknown> {
  const name = stable.metadata.name;
  const labels = trackLabels(name, Track.CANARY);
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: canaryDeploymentName(name), namespace: stable.metadata.namespace },
    spec: {
      ...stable.spec,
      replicas: 0,
      selector: { matchLabels: labels },
      template: { ...stable.spec.template, metadata: { labels } },
    },
  };
}

/** The deployer's canary settings, short enough for a demo. */
export function canaryFunctionEnv(o: {
  project: string;
  functionUrl: string;
  cloudEnv: Record<string, string>;
}): Record<string, string> {
  return {
    ROLLOUT_STRATEGY: 'canary',
    CLOUD_TASKS_ENDPOINT: o.cloudEnv.CLOUD_TASKS_ENDPOINT ?? '',
    PROMETHEUS_QUERY_URL: o.cloudEnv.PROMETHEUS_QUERY_URL ?? '',
    CANARY_TASKS_QUEUE: `projects/${o.project}/locations/us-central1/queues/maskops-canary`,
    CANARY_TASKS_SERVICE_ACCOUNT: `maskops-deployer@${o.project}.iam.gserviceaccount.com`,
    FUNCTION_URL: o.functionUrl,
    CANARY_INTERVAL_SECONDS: '2',
    CANARY_ANALYSIS_SECONDS: '20',
    CANARY_MIN_REQUESTS: '5',
    PROMETHEUS_SCRAPE_INTERVAL_SECONDS: '1',
    // A fresh pod answers its first dozen or so requests up to twice as slow as a warm
    // one (its code is still being compiled), and with the demo model's ~35 ms answers
    // that is most of the time: measured, requests 1-20 median 54 ms, later 33 ms. In a
    // 20 s analysis those answers are a fifth of the canary's sample and move its p95,
    // so the analysis leaves out the first 6 s (only catastrophes are judged meanwhile).
    CANARY_WARMUP_SECONDS: '6',
  };
}

export interface CanaryPushContext {
  kube: DeploymentAccess;
  namespace: string;
  deployment: string;
  replicas: number;
  builder: PushBuilder;
  fn: FunctionProcess;
  topic: string;
  log: (line: string) => void;
}

const annotation = (kube: DeploymentAccess, ns: string, name: string, key: string) =>
  kube.getDeployment(ns, name)?.metadata?.annotations?.[key];

/**
 * Waits until the canary of `buildId` is promoted, aborted or failed (the deployer's
 * annotations). The deployer bounds every phase itself (ready deadline, analysis,
 * rollout timeout) and records a step every CANARY_INTERVAL_SECONDS, so this gives
 * up only when no step was recorded for `stallMs`: on a busy machine a canary pod's
 * start and the stable rollout can take minutes, which is slow, not wrong.
 */
async function waitVerdict(c: CanaryPushContext, buildId: string, stallMs: number) {
  const canary = canaryDeploymentName(c.deployment);
  let deadline = Date.now() + stallMs;
  let lastStep: string | undefined;
  while (Date.now() < deadline) {
    const phase = annotation(c.kube, c.namespace, canary, CanaryAnnotation.PHASE);
    const build = annotation(c.kube, c.namespace, canary, Annotation.BUILD_ID);
    if (build === buildId && (phase === 'promoted' || phase === 'aborted' || phase === 'failed')) {
      return phase;
    }
    const step = annotation(c.kube, c.namespace, canary, CanaryAnnotation.STEP);
    if (step !== lastStep) {
      lastStep = step;
      deadline = Date.now() + stallMs;
    }
    await sleep(250);
  }
  throw new Error(
    `the canary of ${buildId} reached no verdict: no step recorded for ${stallMs / 1000} s (last step ${lastStep ?? 'none'})`,
  );
}

/** Waits until the canary controller has retired every canary pod. */
async function waitCanaryEmpty(c: CanaryPushContext, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const dep = c.kube.getDeployment(c.namespace, canaryDeploymentName(c.deployment));
    if (dep?.spec?.replicas === 0 && dep.status?.replicas === 0) return;
    await sleep(250);
  }
  throw new Error(`the canary still has pods after ${timeoutMs / 1000} s`);
}

/** The verdict push `n` must get: every even push builds the model that finds nothing. */
export const expectedVerdict = (n: number): CanaryVerdict =>
  n % 2 === 0 ? CanaryVerdict.ABORTED : CanaryVerdict.PROMOTED;

/** Delivers as Pub/Sub does: a non-2xx answer is delivered again, after a backoff. */
async function deliverUntilAcked(
  c: CanaryPushContext,
  n: number,
  deliver: () => Promise<number>,
): Promise<number> {
  for (let attempt = 1; ; attempt++) {
    const status = await deliver();
    if (status < 500 || attempt >= 5) return status;
    c.log(`[push ${n}] function answered ${status}; Pub/Sub delivers again`);
    await sleep(1000 * attempt);
  }
}

/** One push under the canary strategy: build, deliver, the verdict, and what follows it. */
export async function canaryPush(
  c: CanaryPushContext,
  n: number,
): Promise<{ built: PushBuild; verdict: CanaryVerdict; detail: string }> {
  const bad = expectedVerdict(n) === CanaryVerdict.ABORTED;
  c.log(
    `[push ${n}] git push → local Cloud Build${bad ? ' with _DEMO_MODEL_BEHAVIOUR=empty (a model that finds nothing)' : ''}`,
  );
  const built = await c.builder.build(n, bad ? { _DEMO_MODEL_BEHAVIOUR: 'empty' } : undefined);
  const deliver = () =>
    deliverUntilAcked(c, n, () =>
      c.fn.deliver(cloudEventBinary(pubsubMessage(built.message), { topic: c.topic })),
    );
  c.log(
    `[push ${n}] function answered ${await deliver()}; canary of ${built.buildId} under analysis`,
  );
  const phase = await waitVerdict(c, built.buildId, 180_000);
  if (phase === 'failed') throw new Error(`the promoted rollout of ${built.buildId} failed`);
  await waitCanaryEmpty(c, 60_000);
  if (phase === 'promoted') {
    const image = `${built.image.repository}@${built.image.digest}`;
    await waitRollout(c.kube, c.namespace, c.deployment, image, c.replicas, 60_000);
    c.log(
      `[push ${n}] canary promoted: ${built.buildId} serves on the stable Deployment, canary at 0`,
    );
    return { built, verdict: CanaryVerdict.PROMOTED, detail: CanaryVerdict.PROMOTED };
  }
  const aborted = annotation(c.kube, c.namespace, c.deployment, CanaryAnnotation.ABORTED);
  const record = aborted ? (JSON.parse(aborted) as { reason?: string; detail?: string }) : {};
  const reason = record.reason ?? '?';
  c.log(`[push ${n}] canary aborted (${reason}): canary at 0, the stable build kept serving`);
  // Pub/Sub redelivers: an aborted build is acknowledged without a new analysis.
  c.log(`[push ${n}] redelivery of the aborted build answered ${await deliver()}`);
  const detail = `aborted (${reason}${record.detail ? `: ${record.detail}` : ''})`;
  return { built, verdict: CanaryVerdict.ABORTED, detail };
}
