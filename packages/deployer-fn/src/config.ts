import type { Env } from '@maskops/shared';
import type { CanaryConfig } from './canary/canary-config';
import { readCanaryConfig } from './canary/canary-config';
import { KubeconfigFileError, loadKubeconfigFile } from './cluster/kubeconfig-file';
import type { ModelBucket } from './model/model-bucket';
import { readModelBucket } from './model/model-bucket';
import {
  boolean,
  ConfigError,
  integer,
  optionalString,
  parseRepository,
  requireString,
  url,
  readEach,
} from '@maskops/shared';

/** The deployer's settings (the configuration table of packages/deployer-fn/README.md), read once at start. */
export interface DeployerConfig {
  readonly project: string;
  /** A zone or a region: the Container API calls both "locations". */
  readonly zone: string;
  readonly cluster: string;
  readonly deployment: string;
  readonly namespace: string;
  readonly container?: string;
  /** Repository without tag or digest; only its images are ever deployed. */
  readonly image: string;
  /** 0 = patch and return without watching. */
  readonly rolloutTimeoutSeconds: number;
  readonly rollbackOnFailure: boolean;
  readonly containerApiEndpoint: string;
  readonly kubeconfig?: string;
  /**
   * How far ahead of this clock a build's finish time may be. Further ahead it
   * is refused (FUTURE_BUILD), and a deployed key that far ahead is distrusted.
   */
  readonly maxClockSkewSeconds: number;
  /** ROLLOUT_STRATEGY=canary; absent for the default rolling strategy. */
  readonly canary?: CanaryConfig;
  /** MODEL_BUCKET: where published models start model rollouts; absent = model events ignored. */
  readonly modelBucket?: ModelBucket;
}

// Kubernetes object names: DNS-1123 subdomain for Deployments, label for the rest.
const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
const DNS1123_SUBDOMAIN =
  /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
// These three end up in a URL path, so nothing but path-safe characters.
const PROJECT = /^(?:[a-z][a-z0-9.-]{0,61}[a-z0-9]:)?[a-z][a-z0-9-]{4,28}[a-z0-9]$/;
const LOCATION = /^[a-z]+(?:-[a-z]+)*[0-9]+(?:-[a-z])?$/;
const CLUSTER = /^[a-z](?:[-a-z0-9]{0,38}[a-z0-9])?$/;

function matching(env: Env, name: string, pattern: RegExp, what: string, value?: string): string {
  const v = value ?? requireString(env, name);
  if (!pattern.test(v)) throw new ConfigError(name, `must be ${what}, got "${v.slice(0, 100)}"`);
  return v;
}

// Read once here, at load: a missing or unusable file must stop the function at
// start, not turn every message into a rejected deploy.
function checkKubeconfig(path: string): void {
  try {
    loadKubeconfigFile(path);
  } catch (err) {
    if (err instanceof KubeconfigFileError) throw new ConfigError('KUBECONFIG', err.message);
    throw err;
  }
}

function imageRepository(env: Env): string {
  const raw = requireString(env, 'IMAGE');
  try {
    return parseRepository(raw);
  } catch (err) {
    throw new ConfigError(
      'IMAGE',
      `must be an image repository without tag or digest: ${(err as Error).message}`,
    );
  }
}

function optionalKubeconfig(env: Env): string | undefined {
  const path = optionalString(env, 'KUBECONFIG');
  if (path !== undefined) checkKubeconfig(path);
  return path;
}

/** Every setting; a bad deploy hears of all its bad variables at once (config-errors.ts). */
export function readConfig(env: Env): DeployerConfig {
  const { container, kubeconfig, canary, modelBucket, ...settings } = readEach({
    project: () => matching(env, 'PROJECT', PROJECT, 'a Google Cloud project id'),
    zone: () => matching(env, 'ZONE', LOCATION, 'a zone or region such as us-central1-a'),
    cluster: () => matching(env, 'CLUSTER', CLUSTER, 'a GKE cluster name'),
    deployment: () => matching(env, 'DEPLOYMENT', DNS1123_SUBDOMAIN, 'a DNS-1123 name'),
    namespace: () =>
      matching(
        env,
        'NAMESPACE',
        DNS1123_LABEL,
        'a DNS-1123 label',
        optionalString(env, 'NAMESPACE', 'default'),
      ),
    container: () => {
      const raw = optionalString(env, 'CONTAINER');
      return raw === undefined
        ? undefined
        : matching(env, 'CONTAINER', DNS1123_LABEL, 'a DNS-1123 label', raw);
    },
    image: () => imageRepository(env),
    rolloutTimeoutSeconds: () =>
      integer(env, 'ROLLOUT_TIMEOUT_SECONDS', 300, { min: 0, max: 3600 }),
    rollbackOnFailure: () => boolean(env, 'ROLLBACK_ON_FAILURE', true),
    containerApiEndpoint: () =>
      url(env, 'CONTAINER_API_ENDPOINT', 'https://container.googleapis.com'),
    kubeconfig: () => optionalKubeconfig(env),
    maxClockSkewSeconds: () => integer(env, 'MAX_CLOCK_SKEW_SECONDS', 600, { min: 0, max: 86_400 }),
    canary: () => readCanaryConfig(env),
    modelBucket: () => readModelBucket(env),
  });
  return {
    ...settings,
    ...(container === undefined ? {} : { container }),
    ...(kubeconfig === undefined ? {} : { kubeconfig }),
    ...(canary === undefined ? {} : { canary }),
    ...(modelBucket === undefined ? {} : { modelBucket }),
  };
}
