import { unsupportedField } from './errors';

/**
 * What the local build does with each field Cloud Build knows: `run` honours it,
 * `notice` names it as having no local effect (where logs go, the VM size — nothing
 * that changes what is built), `refuse` stops the build because skipping it would
 * build something else. A field in none of the lists is not a Cloud Build field.
 * https://cloud.google.com/build/docs/build-config-file-schema
 */
export type FieldHandling = 'run' | { notice: string } | { refuse: string };

const NO_SECRETS = {
  refuse: 'needs Secret Manager or Cloud KMS, which the local build has no stand-in for',
};
const NO_ARTIFACTS = {
  refuse:
    'uploads to Cloud Storage or Artifact Registry beyond `images`, which the local build does not do',
};
const LOCAL_VM = { notice: 'has no effect locally: steps run on this machine' };
const LOCAL_LOGS = { notice: 'has no effect locally: the build log is a local file' };

export const BUILD_FIELDS: Readonly<Record<string, FieldHandling>> = {
  steps: 'run',
  images: 'run',
  substitutions: 'run',
  options: 'run',
  timeout: 'run',
  tags: 'run',
  serviceAccount: { notice: 'has no effect locally: steps use the local stand-ins' },
  logsBucket: LOCAL_LOGS,
  queueTtl: { notice: 'has no effect locally: builds do not queue' },
  artifacts: NO_ARTIFACTS,
  availableSecrets: NO_SECRETS,
  secrets: NO_SECRETS,
};

export const STEP_FIELDS: Readonly<Record<string, FieldHandling>> = {
  name: 'run',
  args: 'run',
  env: 'run',
  dir: 'run',
  id: 'run',
  waitFor: 'run',
  entrypoint: 'run',
  timeout: 'run',
  volumes: 'run',
  script: 'run',
  allowFailure: 'run',
  allowExitCodes: 'run',
  automapSubstitutions: 'run',
  secretEnv: NO_SECRETS,
};

export const OPTION_FIELDS: Readonly<Record<string, FieldHandling>> = {
  env: 'run',
  volumes: 'run',
  substitutionOption: 'run',
  dynamicSubstitutions: 'run',
  automapSubstitutions: 'run',
  logging: LOCAL_LOGS,
  logStreamingOption: LOCAL_LOGS,
  defaultLogsBucketBehavior: LOCAL_LOGS,
  machineType: LOCAL_VM,
  diskSizeGb: LOCAL_VM,
  pool: LOCAL_VM,
  workerPool: LOCAL_VM,
  requestedVerifyOption: { notice: 'has no effect locally: no provenance is generated' },
  sourceProvenanceHash: { notice: 'has no effect locally: no provenance is generated' },
  secretEnv: NO_SECRETS,
};

/**
 * Checks an object's keys against a field table: throws on unknown or refused fields
 * (naming them), returns one notice line per field without local effect.
 */
export function checkFields(
  obj: Record<string, unknown>,
  fields: Readonly<Record<string, FieldHandling>>,
  where: string,
): string[] {
  const notices: string[] = [];
  for (const key of Object.keys(obj)) {
    const handling = Object.hasOwn(fields, key) ? fields[key] : undefined;
    if (handling === undefined) throw unsupportedField(where, key, 'is not a Cloud Build field');
    if (handling === 'run') continue;
    if ('refuse' in handling) throw unsupportedField(where, key, handling.refuse);
    notices.push(`${where}.${key} ${handling.notice}`);
  }
  return notices;
}
