/** Milliseconds rounded to 0.01 ms: finer digits are noise in logs, headers and answers. */
export function roundMs(ms: number): number {
  return Math.round(ms * 100) / 100;
}

/** Milliseconds since `start` (performance.now()), rounded to 0.01 ms. */
export function msSince(start: number): number {
  return roundMs(performance.now() - start);
}
