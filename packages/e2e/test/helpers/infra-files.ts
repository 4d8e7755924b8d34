/**
 * The infra files the infra tests cross-check, parsed once: the GKE manifests of
 * infra/k8s, setup.sh and the deployer settings it passes to the function.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { REPO_ROOT } from './repo-root';

export const root = REPO_ROOT;
export const k8s = join(root, 'infra', 'k8s');
export const read = (...p: string[]): string => readFileSync(join(root, ...p), 'utf8');

export type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

/** The objects of infra/k8s/*.yaml (not the optional components). */
export const docs: Obj[] = readdirSync(k8s)
  .filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml')
  .flatMap((f) =>
    parseAllDocuments(readFileSync(join(k8s, f), 'utf8')).map((d) => d.toJS() as Obj),
  );
export const find = (kind: string): Obj => {
  const found = docs.filter((d) => d.kind === kind);
  expect(found).toHaveLength(1);
  return found[0];
};

/** The Deployment or Deployments of a track (the canary's name ends in -canary). */
const deployments = docs.filter((d) => d.kind === 'Deployment');
const ofTrack = (canary: boolean): Obj => {
  const found = deployments.filter((d) => d.metadata.name.endsWith('-canary') === canary);
  expect(found).toHaveLength(1);
  return found[0];
};
export const deployment = ofTrack(false);
export const canaryDeployment = ofTrack(true);
export const pod = deployment.spec.template.spec;
export const container = pod.containers[0];
/** The container's literal env values (downward-API entries are checked on their own). */
export const env: Record<string, string> = Object.fromEntries(
  (container.env as Array<{ name: string; value?: string }>)
    .filter((e) => e.value !== undefined)
    .map((e) => [e.name, e.value!]),
);
export const setupSh = read('infra', 'gcp', 'setup.sh');
/** The functions setup.sh sources. */
export const setupLib = read('infra', 'gcp', 'setup-lib.sh');
const envPairs = (list: string): Array<[string, string]> =>
  list
    .split(',')
    .filter((kv) => kv !== '')
    .map((kv) => [kv.slice(0, kv.indexOf('=')), kv.slice(kv.indexOf('=') + 1)]);
/** The function's env (FUNCTION_ENV, its --set-env-vars), unexpanded (`NAME=${VAR}`). */
export const functionEnv: Record<string, string> = Object.fromEntries(
  envPairs(/^FUNCTION_ENV="([^"]+)"$/m.exec(setupSh)![1]),
);
/** What `--canary` adds to the function's env. */
export const canaryFunctionEnv: Record<string, string> = Object.fromEntries(
  envPairs(/^\s*FUNCTION_ENV\+=",([^"]+)"$/m.exec(setupSh)![1]),
);
/** A plain `NAME=value` assignment of setup.sh. */
export const shellVar = (name: string): string =>
  new RegExp(`^${name}=(\\S+)$`, 'm').exec(setupSh)![1];
