import { MaskopsError } from '@maskops/shared';

/**
 * Why the local Cloud Build refuses a build config before running anything. Each
 * code has one factory; the message names the field, variable or expansion at fault,
 * so nothing the local build cannot do is ever silently skipped.
 */
export const CloudBuildConfigErrorCode = {
  /** The file is not YAML/JSON, or a field has the wrong shape or value. */
  INVALID_CONFIG: 'CLOUD_BUILD_INVALID_CONFIG',
  /** A field Cloud Build does not know, or one the local build cannot honour. */
  UNSUPPORTED_FIELD: 'CLOUD_BUILD_UNSUPPORTED_FIELD',
  /** A substitution that Cloud Build would refuse, or an expansion it does not support. */
  BAD_SUBSTITUTION: 'CLOUD_BUILD_BAD_SUBSTITUTION',
  /** A step's image is not on the local engine: the local build never pulls. */
  STEP_IMAGE_NOT_LOCAL: 'CLOUD_BUILD_STEP_IMAGE_NOT_LOCAL',
  /** A step image asks for the Cloud SDK (the cloud-sdk stand-in) and the build has none. */
  NO_CLOUD_SDK: 'CLOUD_BUILD_NO_CLOUD_SDK',
} as const;
export type CloudBuildConfigErrorCode =
  (typeof CloudBuildConfigErrorCode)[keyof typeof CloudBuildConfigErrorCode];

export function invalidConfig(where: string, problem: string): MaskopsError {
  return new MaskopsError(CloudBuildConfigErrorCode.INVALID_CONFIG, `${where}: ${problem}`, {
    details: { where },
  });
}

export function unsupportedField(where: string, field: string, why: string): MaskopsError {
  return new MaskopsError(
    CloudBuildConfigErrorCode.UNSUPPORTED_FIELD,
    `${where}: field "${field}" ${why}`,
    { details: { where, field } },
  );
}

export function badSubstitution(where: string, problem: string): MaskopsError {
  return new MaskopsError(CloudBuildConfigErrorCode.BAD_SUBSTITUTION, `${where}: ${problem}`, {
    details: { where },
  });
}

export function stepImageNotLocal(image: string, steps: readonly string[]): MaskopsError {
  return new MaskopsError(
    CloudBuildConfigErrorCode.STEP_IMAGE_NOT_LOCAL,
    `image "${image}" (${steps.join(', ')}) is not on the local Docker Engine: the local build never pulls, build or load it first`,
    { details: { image, steps } },
  );
}

export function noCloudSdk(image: string, steps: readonly string[]): MaskopsError {
  return new MaskopsError(
    CloudBuildConfigErrorCode.NO_CLOUD_SDK,
    `image "${image}" (${steps.join(', ')}) runs gcloud, and this build has no Cloud SDK with loopback endpoints to lend it`,
    { details: { image, steps } },
  );
}
