/** RFC 3339 with nanoseconds, as Google's JSON APIs write timestamps. */
export function timestamp(date = new Date()): string {
  return date.toISOString().replace(/\.(\d{3})Z$/, '.$1000000Z');
}
