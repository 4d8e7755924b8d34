import { invalidConfig } from './errors';

// A protobuf Duration in its JSON form, as Cloud Build's `timeout` fields take it: "600s", "1.5s".
const DURATION = /^(\d{1,12})(?:\.(\d{1,9}))?s$/;

/** Milliseconds of a `"600s"` duration; anything else stops with a message naming `where`. */
export function parseDuration(value: unknown, where: string): number {
  const m = typeof value === 'string' ? DURATION.exec(value) : null;
  if (!m) {
    throw invalidConfig(where, `${JSON.stringify(value)} is not a duration like "600s"`);
  }
  return Number(m[1]) * 1000 + Math.round(Number(`0.${m[2] ?? '0'}`) * 1000);
}
