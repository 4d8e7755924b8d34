/**
 * Running median of the last `window` model execution times. A median, not a
 * mean: one slow outlier (a GC pause, a huge image) must not make the server
 * refuse work for the next dozen requests, and it follows a real change of
 * speed (another model, a contended CPU) within window/2 samples.
 */
export class ServiceTime {
  private readonly samples: number[] = [];
  private next = 0;
  private current: number | undefined;

  constructor(private readonly window = 32) {}

  record(ms: number): void {
    if (!Number.isFinite(ms) || ms < 0) return;
    if (this.samples.length < this.window) this.samples.push(ms);
    else this.samples[this.next] = ms;
    this.next = (this.next + 1) % this.window;
    const sorted = [...this.samples].sort((a, b) => a - b);
    const mid = sorted.length >> 1;
    this.current =
      sorted.length % 2 === 1 ? sorted[mid] : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
  }

  /** The median in ms, or undefined before the first sample. */
  get medianMs(): number | undefined {
    return this.current;
  }

  get count(): number {
    return this.samples.length;
  }
}
