import { compareTimestamps, normalizeTimestamp } from '@maskops/shared';

/**
 * The latest ordering key this instance believes: `now` plus the allowed clock
 * skew, as a normalised RFC 3339 string. A build "finishing" after it cannot be
 * real; deploying it (or trusting it on the Deployment) would make every real
 * build look stale until someone edits the annotation by hand.
 */
export function latestTrustedTime(nowMs: number, maxClockSkewSeconds: number): string {
  return normalizeTimestamp(new Date(nowMs + maxClockSkewSeconds * 1000).toISOString())!;
}

/** True when a normalised key lies beyond the trusted horizon. */
export function isBeyond(key: string, latestTrusted: string): boolean {
  return compareTimestamps(key, latestTrusted) > 0;
}
