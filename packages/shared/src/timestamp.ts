/**
 * RFC 3339 timestamps as ordering keys. Cloud Build reports nanoseconds, which a
 * JS Date would truncate, so two builds finishing in the same millisecond would
 * compare equal. We normalise to UTC with exactly nine fractional digits instead:
 * the resulting strings sort lexicographically in time order.
 */
const RFC3339 =
  /^(\d{4})-(\d{2})-(\d{2})[Tt](\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?([Zz]|[+-]\d{2}:\d{2})$/;

export function normalizeTimestamp(input: unknown): string | undefined {
  if (typeof input !== 'string' || input.length > 64) return undefined;
  const m = RFC3339.exec(input);
  if (!m) return undefined;
  const [, y, mo, d, h, mi, s, frac = '', zone] = m as unknown as string[];
  const offset = zone.toUpperCase() === 'Z' ? 'Z' : zone;
  const ms = Date.parse(`${y}-${mo}-${d}T${h}:${mi}:${s}${offset}`);
  if (!Number.isFinite(ms)) return undefined;
  // Date.parse accepts e.g. Feb 30 by rolling over; refuse those by round-tripping.
  const check = new Date(
    Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s)),
  );
  if (
    check.getUTCFullYear() !== Number(y) ||
    check.getUTCMonth() !== Number(mo) - 1 ||
    check.getUTCDate() !== Number(d) ||
    check.getUTCHours() !== Number(h) ||
    check.getUTCMinutes() !== Number(mi) ||
    check.getUTCSeconds() !== Number(s)
  ) {
    return undefined;
  }
  const seconds = new Date(ms).toISOString().slice(0, 19);
  return `${seconds}.${frac.padEnd(9, '0')}Z`;
}

/** Negative, zero or positive like a sort comparator; both inputs must be normalised. */
export function compareTimestamps(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
