/**
 * A byte budget for upload bodies held by requests in progress (being received,
 * queued, or running). Each /predict reserves its Content-Length — or the most
 * it may send (MAX_IMAGE_BYTES) when chunked — before a byte of its body is
 * read, and gives it back exactly once when its response ends or its client
 * goes away. Without it, memory grows with the number of open connections
 * (100 slow 19 MiB uploads ≈ 3.8 GiB RSS, buffered chunks plus the final copy).
 */
export class UploadBudget {
  private used = 0;

  constructor(
    readonly limitBytes: number,
    private readonly onChange?: (usedBytes: number) => void,
  ) {}

  get usedBytes(): number {
    return this.used;
  }

  /** A release function (idempotent) for `bytes`, or undefined when they do not fit. */
  reserve(bytes: number): (() => void) | undefined {
    if (bytes > 0 && this.used + bytes > this.limitBytes) return undefined;
    this.used += bytes;
    this.onChange?.(this.used);
    let released = false;
    return () => {
      if (released) return;
      released = true;
      this.used -= bytes;
      this.onChange?.(this.used);
    };
  }
}
