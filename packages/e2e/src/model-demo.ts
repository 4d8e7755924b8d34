import { cloudEventBinary, sleep, type GoogleApisServer } from '@maskops/localcloud';
import { DemoInstall } from './demo-cluster';
import { percentile, type LoadClient, type LoadReport } from './load-client';
import {
  ModelBucket,
  modelPush,
  ModelPushKind,
  type ModelDemoContext,
  type ModelPushResult,
} from './model-push';

/**
 * The bucket with Object Versioning and its Pub/Sub notification of finalized
 * manifests, made through the Cloud Storage JSON API as gcloud makes them; each
 * notification goes to the function as Eventarc would deliver it, one at a time.
 */
async function prepareModelBucket(c: ModelDemoContext): Promise<() => void> {
  const { BUCKET, PREFIX, TOPIC } = ModelBucket;
  const { PROJECT } = DemoInstall;
  const topic = `projects/${PROJECT}/topics/${TOPIC}`;
  await apiCall(c.apis, 'PUT', `/pubsub/v1/${topic}`, {});
  await apiCall(c.apis, 'POST', `/storage/v1/b?project=${PROJECT}`, {
    name: BUCKET,
    versioning: { enabled: true },
  });
  await apiCall(c.apis, 'POST', `/storage/v1/b/${BUCKET}/notificationConfigs`, {
    topic: `//pubsub.googleapis.com/${topic}`,
    payload_format: 'JSON_API_V1',
    event_types: ['OBJECT_FINALIZE'],
    object_name_prefix: `${PREFIX}/`,
  });
  let queue = Promise.resolve();
  const unsubscribe = c.apis.state.messages.onPublish((published) => {
    if (published.topic !== topic) return;
    const object = published.message.attributes?.objectId ?? '?';
    queue = queue
      .then(async () => {
        const status = await c.fn.deliver(cloudEventBinary(published.message, { topic }));
        c.log(`[bucket] notification for ${object}: the function answered ${status}`);
      })
      // A lost delivery is the demo's failure to report, not a reason to stop delivering.
      .catch((err: unknown) => {
        c.log(`[bucket] notification for ${object} not delivered: ${String(err)}`);
      });
  });
  c.log(
    `[bucket] gs://${BUCKET} (versioned), OBJECT_FINALIZE of ${PREFIX}/ → ${topic} → the function`,
  );
  return unsubscribe;
}

async function apiCall(
  apis: GoogleApisServer,
  method: string,
  path: string,
  body?: unknown,
): Promise<Record<string, unknown>> {
  const res = await fetch(apis.url + path, {
    method,
    headers: { authorization: 'Bearer local', 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
  return JSON.parse(text) as Record<string, unknown>;
}

/** The demo's model pushes: good, corrupt and (with a canary) empty, in that order. */
async function runModelPushes(
  c: ModelDemoContext,
  canary: boolean,
  settleMs: number,
): Promise<ModelPushResult[]> {
  const kinds: ModelPushKind[] = [ModelPushKind.GOOD, ModelPushKind.CORRUPT];
  if (canary) kinds.push(ModelPushKind.EMPTY);
  const results: ModelPushResult[] = [];
  let good: string | undefined;
  for (const [i, kind] of kinds.entries()) {
    const result = await modelPush(c, i + 1, kind, good, settleMs);
    results.push(result);
    if (kind === ModelPushKind.GOOD && result.ok) good = result.uri;
  }
  return results;
}

/** `models: good serving, corrupt refused, …`, and whether every push did what it must. */
function describeModelPushes(results: ModelPushResult[]): { ok: boolean; text: string } {
  const text = results
    .map((r) =>
      r.kind === ModelPushKind.GOOD
        ? `${r.kind} ${r.ok ? 'serving' : 'NOT serving'}`
        : `${r.kind} ${r.ok ? 'refused' : 'NOT refused'}`,
    )
    .join(', ');
  return { ok: results.every((r) => r.ok), text: `models: ${text}` };
}

/** The pods read models from the storage stand-in; the function watches the bucket's prefix. */
export function modelDemoEnv(
  apis: GoogleApisServer,
  metadataHost: string,
): {
  podEnv: Record<string, string>;
  functionEnv: Record<string, string>;
} {
  return {
    podEnv: { STORAGE_EMULATOR_HOST: apis.url, GCE_METADATA_HOST: metadataHost },
    functionEnv: { MODEL_BUCKET: `gs://${ModelBucket.BUCKET}/${ModelBucket.PREFIX}` },
  };
}

/**
 * `pnpm start --model-push`: the bucket, the pushes under load, and the summary line.
 * Ok = every push did what it must, no request failed, and wrong answers came only
 * from canary pods (the empty model's, while it was analysed).
 */
export async function runModelDemo(
  c: ModelDemoContext,
  o: { canary: boolean; client: LoadClient; canaryPodPrefix: string },
): Promise<{ ok: boolean; load: LoadReport; finalImage: string; results: ModelPushResult[] }> {
  const unsubscribe = await prepareModelBucket(c);
  let results: ModelPushResult[];
  try {
    results = await runModelPushes(c, o.canary, 240_000);
  } finally {
    unsubscribe();
  }
  await sleep(1000);
  const load = await o.client.stop();
  const models = describeModelPushes(results);
  // Without a canary no pod may answer wrong; with one, only the canary's (the empty model's).
  const wrongOk = o.canary
    ? Object.keys(load.wrongByPod).every((pod) => pod.startsWith(o.canaryPodPrefix))
    : load.wrong === 0;
  const ok = models.ok && load.failed === 0 && wrongOk;
  const ms = (p: number): string => `${percentile(load.latenciesMs, p).toFixed(0)} ms`;
  const wrong = o.canary
    ? `wrong ${load.wrong} (all from canary pods: ${wrongOk})`
    : `wrong ${load.wrong}`;
  c.log(
    `[summary] ${models.text}; requests sent ${load.sent}, failed ${load.failed}, ${wrong}; ` +
      `latency p50 ${ms(50)}, p95 ${ms(95)}, p99 ${ms(99)}`,
  );
  for (const f of load.failures.slice(0, 5)) c.log(`[summary] failure: ${f}`);
  if (!ok) c.log(`[summary] FAILED: ${models.text}; failed requests ${load.failed}`);
  const dep = c.cloud.kube.getDeployment(DemoInstall.NAMESPACE, DemoInstall.DEPLOYMENT);
  return { ok, load, finalImage: dep?.spec.template.spec.containers[0].image ?? '', results };
}
