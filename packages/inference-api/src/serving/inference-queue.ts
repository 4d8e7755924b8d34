import {
  clientClosed,
  overloaded,
  queueTimeout,
  RejectReason,
  type InferenceApiError,
} from '../errors';
import { ServiceTime } from './service-time';

/**
 * Admission control in front of the engine: `workers` model executions at a
 * time (1 today: the engine is serial), each waiter with a deadline. A newcomer
 * is refused at arrival (503 OVERLOADED) when its expected wait — queued work ×
 * the running-median service time ÷ workers — would pass `maxWaitMs`, or when
 * `maxQueue` already wait (the hard cap, and the only limit before the first
 * execution has been timed). Refusing early is the point (Triton's queue
 * policy, CoDel): accepted requests keep a latency close to the unloaded one
 * instead of all waiting ~maxQueue service times. A waiter that times out or
 * whose client goes away is removed and its work never starts, so memory is
 * bounded by maxQueue + workers images whatever the offered load.
 */
export interface InferenceQueueOptions {
  maxQueue: number;
  /** Longest expected wait admitted, ms, or `auto`: one median service time (default). */
  maxWaitMs?: number | 'auto';
  /** Executions that run at once (default 1). */
  workers?: number;
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

interface Waiter {
  start: () => void;
  cancel: (err: InferenceApiError) => void;
}

// Guess for one execution, for Retry-After only, until a real one has been measured.
const INITIAL_SERVICE_MS = 1_000;

export class InferenceQueue {
  private readonly waiters: Waiter[] = [];
  private running = 0;
  private readonly workers: number;
  readonly serviceTime = new ServiceTime();

  constructor(private readonly options: InferenceQueueOptions) {
    this.workers = Math.max(1, options.workers ?? 1);
  }

  get waiting(): number {
    return this.waiters.length;
  }

  get active(): number {
    return this.running;
  }

  /** Expected wait of a newcomer, ms; undefined before the first execution has been timed. */
  expectedWaitMs(): number | undefined {
    const s = this.serviceTime.medianMs;
    if (s === undefined) return undefined;
    if (this.running < this.workers) return 0;
    return ((this.waiters.length + this.running) * s) / this.workers;
  }

  /** The admitted expected wait, ms; undefined while `auto` has no sample yet. */
  waitLimitMs(): number | undefined {
    const limit = this.options.maxWaitMs ?? 'auto';
    return limit === 'auto' ? this.serviceTime.medianMs : limit;
  }

  /** Seconds a rejected client should wait before retrying: the time to work off the queue. */
  retryAfterSeconds(): number {
    const s = this.serviceTime.medianMs ?? INITIAL_SERVICE_MS;
    const ms = ((this.waiters.length + this.running) * s) / this.workers;
    return Math.min(60, Math.max(1, Math.ceil(ms / 1000)));
  }

  /** True when maxQueue already wait behind busy workers (the hard cap). */
  get full(): boolean {
    return this.running >= this.workers && this.waiters.length >= this.options.maxQueue;
  }

  /** Why a newcomer would be refused now, or undefined when it would be admitted. */
  refusal(): InferenceApiError | undefined {
    if (this.full) {
      return this.overloaded(
        `the model is busy and ${this.waiters.length} requests are already waiting; retry later`,
      );
    }
    const expected = this.expectedWaitMs();
    const limit = this.waitLimitMs();
    if (expected !== undefined && limit !== undefined && expected > limit) {
      return this.overloaded(
        `the model is busy: the expected wait (${Math.round(expected)} ms) is longer than ` +
          `${Math.round(limit)} ms; retry later`,
      );
    }
    return undefined;
  }

  private overloaded(message: string): InferenceApiError {
    return overloaded(message, {
      reason: RejectReason.OVERLOADED,
      retryAfterSeconds: this.retryAfterSeconds(),
    });
  }

  async run<T>(task: () => Promise<T>, signal?: AbortSignal): Promise<QueuedResult<T>> {
    const enqueuedAt = performance.now();
    if (signal?.aborted) throw closedWhileWaiting();
    // A waiter is handed the slot by next() (running already counted for it), so no
    // newcomer can slip in between the hand-over and the waiter resuming.
    if (this.running >= this.workers) await this.wait(signal);
    else this.running += 1;
    const waitMs = performance.now() - enqueuedAt;
    this.changed();
    const startedAt = performance.now();
    try {
      return { value: await task(), waitMs };
    } finally {
      this.serviceTime.record(performance.now() - startedAt);
      this.running -= 1;
      this.next();
    }
  }

  private wait(signal: AbortSignal | undefined): Promise<void> {
    const refused = this.refusal();
    if (refused) throw refused;
    return new Promise<void>((resolve, reject) => {
      const onAbort = (): void => waiter.cancel(closedWhileWaiting());
      const timer = setTimeout(() => {
        waiter.cancel(queueTimeout(this.options.timeoutMs, this.retryAfterSeconds()));
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

function closedWhileWaiting(): InferenceApiError {
  return clientClosed('the client closed the connection while waiting');
}
