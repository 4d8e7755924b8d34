#!/usr/bin/env node
import { randomUUID } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { startGoogleApis, type GoogleApisServer } from '@maskops/localcloud';
import { isMaskopsError } from '@maskops/shared';
import { hostCloudSdkDir } from './cloud-build/cloud-sdk';
import { runCommitBuild } from './cloud-build/commit-build';
import { parseCli } from './cli-args';
import { dockerEngineVersion } from './container/docker';
import { startLocalRegistry } from './container/local-registry';
import { repoRoot } from './repo-root';

/**
 * Runs the repository's cloudbuild.yaml for a commit, every step a container, as a push
 * trigger would (cloud-build/commit-build.ts), against stand-ins it starts for the run:
 * localcloud's Google APIs (Cloud Storage for gcloud, Pub/Sub's `cloud-builds` topic,
 * where the finished build is published) and a local registry (`_IMAGE` points there
 * unless given). `--model PATH` uploads a model folder (or one .onnx file) to the
 * Cloud Storage stand-in and sets `_MODEL_URI` to it. Progress on stderr; the Build
 * resource, as published, on stdout. Exit 0 for a SUCCESS build, 1 otherwise, 2 for
 * usage errors. The registry lives for the run only: the image stays on the engine,
 * under its tag.
 */
const USAGE =
  'usage: cloud-build [--commit REV] [--substitution _KEY=VALUE]... [--model PATH] ' +
  '[--config FILE] [--project P] [--build-id ID] [--repo-root DIR]\n';

const TOKEN = 'local-cloud-build';
const MODEL_BUCKET = 'maskops-local-models';

async function main(): Promise<number> {
  const { values, usage } = parseCli(USAGE, {
    commit: { type: 'string', default: 'HEAD' },
    substitution: { type: 'string', multiple: true, default: [] },
    model: { type: 'string' },
    // A path in the commit's tree; default cloudbuild.yaml.
    config: { type: 'string' },
    project: { type: 'string', default: 'maskops-local' },
    'build-id': { type: 'string' },
    'repo-root': { type: 'string' },
  });
  const substitutions: Record<string, string> = {};
  for (const s of values.substitution) {
    const eq = s.indexOf('=');
    if (eq < 1) usage(`--substitution must be _KEY=VALUE, got "${s}"`);
    substitutions[s.slice(0, eq)] = s.slice(eq + 1);
  }
  if (values.model !== undefined && !statOrUndefined(values.model)) {
    usage(`--model: no such file or folder "${values.model}"`);
  }
  if (!dockerEngineVersion()) {
    process.stderr.write('cloud-build: no Docker Engine answers (start dockerd)\n');
    return 1;
  }
  const sdkDir = hostCloudSdkDir();
  const log = (line: string): void => void process.stderr.write(`${line}\n`);
  const apis = await startGoogleApis({ token: TOKEN });
  const registry = await startLocalRegistry().catch(async (err: unknown) => {
    await apis.close();
    throw err;
  });
  try {
    await call(apis, 'PUT', `/pubsub/v1/projects/${values.project}/topics/cloud-builds`, '{}');
    if (values.model !== undefined) {
      substitutions._MODEL_URI = await uploadModel(apis, values.project, values.model);
      log(`model ${values.model} uploaded as ${substitutions._MODEL_URI}`);
    }
    substitutions._IMAGE ??= `${registry.host}/maskops/inference-api`;
    const result = await runCommitBuild({
      repoRoot: values['repo-root'] ?? repoRoot(),
      commit: values.commit,
      buildId: values['build-id'] ?? randomUUID(),
      projectId: values.project,
      substitutions,
      ...(values.config === undefined ? {} : { configFile: values.config }),
      ...(sdkDir === undefined
        ? {}
        : { cloudSdk: { dir: sdkDir, env: (configDir: string) => apis.gcloudEnv(configDir) } }),
      notify: { pubsubUrl: `${apis.url}/pubsub/`, projectId: values.project, token: TOKEN },
      log,
    });
    process.stdout.write(`${JSON.stringify(result.build, null, 2)}\n`);
    return result.status === 'SUCCESS' ? 0 : 1;
  } finally {
    await registry.stop();
    await apis.close();
  }
}

function statOrUndefined(path: string): ReturnType<typeof statSync> | undefined {
  try {
    return statSync(path);
  } catch {
    return undefined;
  }
}

async function call(apis: GoogleApisServer, method: string, path: string, body: string | Buffer) {
  const json = typeof body === 'string';
  const res = await fetch(`${apis.url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${TOKEN}`,
      'content-type': json ? 'application/json' : 'application/octet-stream',
    },
    body,
  });
  if (!res.ok) throw new Error(`localcloud ${method} ${path}: HTTP ${res.status}`);
}

/** Uploads a folder's files (or one file) to the Cloud Storage stand-in; returns the gs:// URI. */
async function uploadModel(apis: GoogleApisServer, project: string, path: string): Promise<string> {
  await call(
    apis,
    'POST',
    `/storage/v1/b?project=${project}`,
    JSON.stringify({ name: MODEL_BUCKET }),
  );
  const name = basename(path);
  const files = statSync(path).isDirectory()
    ? readdirSync(path, { recursive: true, encoding: 'utf8' })
        .filter((f) => statSync(join(path, f)).isFile())
        .map((f) => ({ object: `${name}/${f}`, file: join(path, f) }))
    : [{ object: name, file: path }];
  for (const { object, file } of files) {
    const q = `uploadType=media&name=${encodeURIComponent(object)}`;
    await call(apis, 'POST', `/upload/storage/v1/b/${MODEL_BUCKET}/o?${q}`, readFileSync(file));
  }
  return `gs://${MODEL_BUCKET}/${name}`;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    process.stderr.write(`cloud-build: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(isMaskopsError(err) ? 1 : 70);
  },
);
