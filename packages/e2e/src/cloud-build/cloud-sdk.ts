import { execFileSync } from 'node:child_process';
import { existsSync, realpathSync } from 'node:fs';
import { dirname, join } from 'node:path';

/**
 * This machine's own Cloud SDK, lent to the steps of a local build that run the
 * cloud-sdk stand-in image (scripts/images-steps.sh): the image has python3 and the
 * places where the real image keeps gcloud, and a label naming where the SDK goes; the
 * step runner mounts the install there read-only and gives the step an environment in
 * which every API endpoint is a loopback stand-in (localcloud's gcloudEnv), so no call
 * can reach Google.
 */
export interface CloudSdk {
  /** The host's Cloud SDK install (the folder holding bin/gcloud). */
  readonly dir: string;
  /**
   * gcloud's environment for a step, given the (fresh, per build) configuration folder
   * as the step sees it: endpoint overrides, access token, proxy.
   */
  readonly env: (configDir: string) => Readonly<Record<string, string>>;
}

/** The image label a cloud-sdk stand-in carries: where the SDK is mounted. */
export const CLOUD_SDK_MOUNT_LABEL = 'org.maskops.cloud-sdk-mount';

/** Where each step that uses gcloud finds its configuration (a volume of the build). */
const CONFIG_DIR = '/builder/cloudsdk-config';
/** The build volume, by its name in StepContext.volume. */
export const CLOUD_SDK_CONFIG_VOLUME = '$cloudsdk-config';

/** The Cloud SDK install of the gcloud on PATH, or undefined when there is none. */
export function hostCloudSdkDir(): string | undefined {
  let gcloud: string;
  try {
    gcloud = execFileSync('sh', ['-c', 'command -v gcloud'], { encoding: 'utf8' }).trim();
  } catch {
    return undefined;
  }
  // /usr/bin/gcloud → …/google-cloud-sdk/bin/gcloud: the install is two levels up.
  const dir = dirname(dirname(realpathSync(gcloud)));
  return existsSync(join(dir, 'lib', 'gcloud.py')) ? dir : undefined;
}

/** `docker run` arguments that lend the SDK to a step whose image asks for it at MOUNT. */
export function cloudSdkRunArgs(sdk: CloudSdk, mount: string, configVolume: string): string[] {
  const args = ['--mount', `type=bind,src=${sdk.dir},dst=${mount},readonly`];
  args.push('--mount', `type=volume,src=${configVolume},dst=${CONFIG_DIR}`);
  for (const [k, v] of Object.entries({ ...sdk.env(CONFIG_DIR), CLOUDSDK_CONFIG: CONFIG_DIR })) {
    args.push('--env', `${k}=${v}`);
  }
  return args;
}
