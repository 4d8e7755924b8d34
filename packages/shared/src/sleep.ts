/** Resolves after `ms` milliseconds; the one timer-based wait every package uses. */
export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
