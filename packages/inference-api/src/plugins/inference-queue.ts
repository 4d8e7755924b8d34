import { ErrorCode, InferenceApiError } from '../errors';

/**
 * Admission control in front of the (serial) engine: one model execution at a
 * time, at most `maxQueue` waiting, each waiter with a deadline. A waiter that
 * times out or whose client goes away is removed and its work never starts, so
 * memory is bounded by maxQueue + 1 images whatever the offered load.
 */
export interface InferenceQueueOptions {
  maxQueue: number;
  /** Longest wait in the queue before QUEUE_TIMEOUT. */
  timeoutMs: number;
  /** Called whenever the number of waiting or running tasks changes. */
  onChange?: (waiting: number, running: number) => void;
}

export interface QueuedResult<T> {
  value: T;
  /** Time spent waiting for the model, ms. */
  waitMs: number;
}

export const RejectReason = {
  OVERLOADED: 'overloaded',
  QUEUE_TIMEOUT: 'queue_timeout',
  CLIENT_CLOSED: 'client_closed',
} as const;
export type RejectReason = (typeof RejectReason)[keyof typeof RejectReason];

interface Waiter {
  start: () => void;
  cancel: (err: InferenceApiError) => void;
}

// First guess for one execution until a real one has been measured.
const INITIAL_SERVICE_MS = 1_000;

export class InferenceQueue {
  private readonly waiters: Waiter[] = [];
  private running = 0;
  private serviceMsEwma = INITIAL_SERVICE_MS;

  constructor(private readonly options: InferenceQueueOptions) {}

  get waiting(): number {
    return this.waiters.length;
  }

  get active(): number {
    return this.running;
  }

  /** Seconds a rejected client should wait before retrying: the time to work off the queue. */
  retryAfterSeconds(): number {
    const ms = (this.waiters.length + this.running) * this.serviceMsEwma;
    return Math.min(60, Math.max(1, Math.ceil(ms / 1000)));
  }

  /** True when one more request would be refused: the model is busy and maxQueue are waiting. */
  get full(): boolean {
    return this.running > 0 && this.waiters.length >= this.options.maxQueue;
  }

  overloaded(): InferenceApiError {
    return new InferenceApiError(
      ErrorCode.OVERLOADED,
      `the model is busy and ${this.waiters.length} requests are already waiting; retry later`,
      { details: { reason: RejectReason.OVERLOADED, retryAfterSeconds: this.retryAfterSeconds() } },
    );
  }

  async run<T>(task: () => Promise<T>, signal?: AbortSignal): Promise<QueuedResult<T>> {
    const enqueuedAt = performance.now();
    if (signal?.aborted) throw clientClosed();
    // A waiter is handed the slot by next() (running already counted for it), so no
    // newcomer can slip in between the hand-over and the waiter resuming.
    if (this.running > 0) await this.wait(signal);
    else this.running += 1;
    const waitMs = performance.now() - enqueuedAt;
    this.changed();
    const startedAt = performance.now();
    try {
      return { value: await task(), waitMs };
    } finally {
      this.serviceMsEwma = 0.8 * this.serviceMsEwma + 0.2 * (performance.now() - startedAt);
      this.running -= 1;
      this.next();
    }
  }

  private wait(signal: AbortSignal | undefined): Promise<void> {
    if (this.waiters.length >= this.options.maxQueue) throw this.overloaded();
    return new Promise<void>((resolve, reject) => {
      const onAbort = (): void => waiter.cancel(clientClosed());
      const timer = setTimeout(() => {
        waiter.cancel(
          new InferenceApiError(
            ErrorCode.QUEUE_TIMEOUT,
            `waited ${this.options.timeoutMs} ms for the model without getting a turn; retry later`,
            {
              details: {
                reason: RejectReason.QUEUE_TIMEOUT,
                retryAfterSeconds: this.retryAfterSeconds(),
              },
            },
          ),
        );
      }, this.options.timeoutMs);
      const settle = (): boolean => {
        const i = this.waiters.indexOf(waiter);
        if (i < 0) return false;
        this.waiters.splice(i, 1);
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        this.changed();
        return true;
      };
      const waiter: Waiter = {
        start: () => {
          if (settle()) resolve();
        },
        cancel: (err) => {
          if (settle()) reject(err);
        },
      };
      this.waiters.push(waiter);
      signal?.addEventListener('abort', onAbort, { once: true });
      this.changed();
    });
  }

  private next(): void {
    const first = this.waiters[0];
    if (first) {
      this.running += 1;
      first.start();
    } else this.changed();
  }

  private changed(): void {
    this.options.onChange?.(this.waiters.length, this.running);
  }
}

function clientClosed(): InferenceApiError {
  return new InferenceApiError(
    ErrorCode.INVALID_REQUEST,
    'the client closed the connection while waiting',
    { details: { reason: RejectReason.CLIENT_CLOSED } },
  );
}
