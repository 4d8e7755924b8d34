/**
 * Cloud Build `Build.status` values. Only SUCCESS deploys; the rest are
 * acknowledged and ignored, so the set is kept exhaustive for clear logs.
 */
export const BuildStatus = {
  STATUS_UNKNOWN: 'STATUS_UNKNOWN',
  PENDING: 'PENDING',
  QUEUED: 'QUEUED',
  WORKING: 'WORKING',
  SUCCESS: 'SUCCESS',
  FAILURE: 'FAILURE',
  INTERNAL_ERROR: 'INTERNAL_ERROR',
  TIMEOUT: 'TIMEOUT',
  CANCELLED: 'CANCELLED',
  EXPIRED: 'EXPIRED',
} as const;
export type BuildStatus = (typeof BuildStatus)[keyof typeof BuildStatus];

export const BUILD_STATUSES: readonly BuildStatus[] = Object.values(BuildStatus);

export function isBuildStatus(value: unknown): value is BuildStatus {
  return typeof value === 'string' && (BUILD_STATUSES as readonly string[]).includes(value);
}
