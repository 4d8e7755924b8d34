import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { DemoBehaviour, generateDemoModels } from '@maskops/demo-model';
import {
  sleep,
  type FunctionProcess,
  type GoogleApisServer,
  type LocalCloud,
} from '@maskops/localcloud';
import { MODEL_MANIFEST_NAME, parseModelUri } from '@maskops/shared';
import { packageDir } from './package-dir';
import { DemoInstall } from './demo-cluster';

const run = promisify(execFile);

/** The demo's model bucket, as `setup.sh --model-bucket gs://B/PREFIX` would make it. */
export const ModelBucket = {
  BUCKET: 'maskops-local-models',
  PREFIX: 'models',
  TOPIC: 'maskops-models',
} as const;

/** What each model push of the demo is, and what must happen to it. */
export const ModelPushKind = {
  /** A good model: rolled out (promoted with a canary) and serving. */
  GOOD: 'good',
  /** A manifest whose CRC32C does not match its object: never ready, rolled back. */
  CORRUPT: 'corrupt',
  /** A model that finds nothing (canary only): the canary aborts it. */
  EMPTY: 'empty',
} as const;
export type ModelPushKind = (typeof ModelPushKind)[keyof typeof ModelPushKind];

export interface ModelDemoContext {
  apis: GoogleApisServer;
  /** The demo's stand-ins: the Kubernetes API and the metadata server's credentials. */
  cloud: Pick<LocalCloud, 'kube' | 'env'>;
  fn: FunctionProcess;
  log: (line: string) => void;
}

const { NAMESPACE, DEPLOYMENT, CONTAINER } = DemoInstall;

/** Runs the real `maskops-model push` against the storage stand-in; returns the pinned URI. */
async function publishModel(c: ModelDemoContext, modelDir: string, name: string): Promise<string> {
  const pkg = packageDir('@maskops/inference-api');
  const { bin } = JSON.parse(readFileSync(join(pkg, 'package.json'), 'utf8')) as {
    bin: Record<string, string>;
  };
  const target = `gs://${ModelBucket.BUCKET}/${ModelBucket.PREFIX}/${name}`;
  const { stdout } = await run(
    process.execPath,
    [join(pkg, bin['maskops-model']), 'push', modelDir, target],
    {
      env: {
        ...process.env,
        STORAGE_EMULATOR_HOST: c.apis.url,
        GCE_METADATA_HOST: c.cloud.env.GCE_METADATA_HOST ?? '',
      },
    },
  );
  return stdout.trim();
}

/**
 * A new generation of a published manifest with one object's CRC32C changed, as if
 * the object rotted after the push: pods that load it must refuse it.
 */
async function corruptManifest(c: ModelDemoContext, uri: string): Promise<string> {
  const pinned = parseModelUri(uri)!;
  const obj = encodeURIComponent(pinned.object);
  const res = await fetch(
    `${c.apis.url}/download/storage/v1/b/${pinned.bucket}/o/${obj}?generation=${pinned.generation}&alt=media`,
    { headers: { authorization: 'Bearer local' } },
  );
  const manifest = (await res.json()) as { objects: Array<{ crc32c: string }> };
  manifest.objects[0].crc32c = 'AAAAAA==';
  const up = await fetch(
    `${c.apis.url}/upload/storage/v1/b/${pinned.bucket}/o?uploadType=media&name=${obj}`,
    {
      method: 'POST',
      headers: { authorization: 'Bearer local', 'content-type': 'application/json' },
      body: JSON.stringify(manifest),
    },
  );
  if (!up.ok) throw new Error(`uploading the corrupt manifest: ${up.status} ${await up.text()}`);
  const { generation } = (await up.json()) as { generation: string };
  return `gs://${pinned.bucket}/${pinned.object}#${generation}`;
}

const modelPathOf = (c: ModelDemoContext, deployment: string): string | undefined => {
  const dep = c.cloud.kube.getDeployment(NAMESPACE, deployment);
  const container = dep?.spec.template.spec.containers.find((x) => x.name === CONTAINER);
  const env = (container?.env ?? []) as Array<{ name: string; value?: string }>;
  return env.find((e) => e.name === 'MODEL_PATH')?.value;
};

/** Waits until the stable Deployment serves `uri` with every replica updated and available. */
async function waitServing(c: ModelDemoContext, uri: string, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const dep = c.cloud.kube.getDeployment(NAMESPACE, DEPLOYMENT);
    const s = dep?.status;
    if (
      dep &&
      modelPathOf(c, DEPLOYMENT) === uri &&
      s?.observedGeneration === dep.metadata.generation &&
      s.updatedReplicas === dep.spec.replicas &&
      s.availableReplicas === dep.spec.replicas
    )
      return true;
    await sleep(250);
  }
  return false;
}

export interface ModelPushResult {
  kind: ModelPushKind;
  uri: string;
  /** What the stable Deployment serves once the push has settled. */
  serving: string | undefined;
  ok: boolean;
}

/**
 * One model push: publish (or corrupt) a model, let the notification reach the
 * function, and wait for what must follow: a good model serving, a corrupt or empty
 * one never reaching the stable Deployment, which keeps `previous`.
 */
export async function modelPush(
  c: ModelDemoContext,
  n: number,
  kind: ModelPushKind,
  previous: string | undefined,
  settleMs: number,
): Promise<ModelPushResult> {
  const work = mkdtempSync(join(tmpdir(), 'maskops-model-'));
  try {
    let uri: string;
    if (kind === ModelPushKind.CORRUPT) {
      if (previous === undefined) throw new Error('a corrupt push needs a published model');
      c.log(`[model ${n}] a new ${MODEL_MANIFEST_NAME} whose CRC32C does not match its object`);
      uri = await corruptManifest(c, previous);
    } else {
      const behaviour = kind === ModelPushKind.EMPTY ? DemoBehaviour.EMPTY : DemoBehaviour.SHAPES;
      generateDemoModels(work, undefined, behaviour);
      c.log(`[model ${n}] maskops-model push (${behaviour} model)`);
      uri = await publishModel(c, join(work, 'shapes-tf-od-api'), 'shapes');
    }
    c.log(`[model ${n}] published ${uri}`);
    if (kind === ModelPushKind.GOOD) {
      const ok = await waitServing(c, uri, settleMs);
      c.log(`[model ${n}] ${ok ? 'serving' : 'NOT serving'} ${uri}`);
      return { kind, uri, serving: modelPathOf(c, DEPLOYMENT), ok };
    }
    // A bad model must come and go without the stable Deployment ever keeping it:
    // wait until the deployer has acted on it and the previous model serves again.
    const acted = await waitActed(c, uri, settleMs);
    const ok = acted && (await waitServing(c, previous ?? '', settleMs));
    const serving = modelPathOf(c, DEPLOYMENT);
    c.log(
      `[model ${n}] ${ok ? 'refused' : 'NOT refused'}: the stable Deployment serves ${serving ?? 'its image model'}`,
    );
    return { kind, uri, serving, ok };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** The deployer recorded this model's fate: a rollback or an aborted canary names it. */
async function waitActed(c: ModelDemoContext, uri: string, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const notes = c.cloud.kube.getDeployment(NAMESPACE, DEPLOYMENT)?.metadata.annotations ?? {};
    const generation = parseModelUri(uri)?.generation ?? uri;
    if (Object.values(notes).some((v) => typeof v === 'string' && v.includes(generation))) {
      if (modelPathOf(c, DEPLOYMENT) !== uri) return true;
    }
    await sleep(250);
  }
  return false;
}
