import {
  clientClosed,
  overloaded,
  queueTimeout,
  RejectReason,
  type InferenceApiError,
} from '../errors';
import { autoIntervalMs } from './auto-interval';
import { ControlledDelay, QueueState, type QueueStateChange } from './controlled-delay';
import { ServiceTime } from './service-time';

/**
 * Admission control in front of the engine: `workers` model executions at a
 * time, each waiter with a deadline. A newcomer is refused at arrival (503
 * OVERLOADED) when its expected wait (queued work × the running-median service
 * time ÷ workers) would pass the wait allowed now, or when `maxQueue` already
 * wait (the hard cap, and the only limit before the first execution has been
 * timed). The wait allowed follows controlled delay (controlled-delay.ts):
 * `maxWaitMs` while the queue keeps emptying, so a burst on an idle server is
 * served; `targetMs` once it has stood for `intervalMs`, so under a standing
 * overload accepted requests keep a latency close to the unloaded one and the
 * rest are refused at once. An admitted request is never dropped for waiting,
 * except at `timeoutMs`. A waiter that times out or whose client goes away is
 * removed and its work never starts, so memory is bounded by maxQueue + workers
 * images whatever the offered load.
 */
export interface InferenceQueueOptions {
  maxQueue: number;
  /** Longest expected wait admitted while the queue keeps emptying, ms (MAX_QUEUE_WAIT_MS; default: no limit but maxQueue). */
  maxWaitMs?: number;
  /** Expected wait admitted once the queue stands, ms, or `auto`: one median service time ÷ workers. */
  targetMs?: number | 'auto';
  /**
   * How long the queue must stand (or stay empty) to change state, ms, or `auto` (the
   * default): to stand, a sixth of the expected wait it holds, between half a service
   * time and max(100, one service time) (÷ workers); to drain, that maximum.
   */
  intervalMs?: number | 'auto';
  /** Executions that run at once (default 1). */
  workers?: number;
  /** Longest wait in the queue before QUEUE_TIMEOUT. */
  timeoutMs: number;
  /** Called whenever the number of waiting or running tasks changes. */
  onChange?: (waiting: number, running: number) => void;
  /** Called once per change between draining and standing. */
  onStateChange?: (change: QueueStateChange & { allowedWaitMs: number | undefined }) => void;
  /** The clock, ms (tests inject one). */
  now?: () => number;
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
  // Admitted at arrival, body not yet read (reserve()): counted as queued work, so a
  // burst arriving faster than its bodies are read is judged as the queue it will be.
  private pending = 0;
  private readonly workers: number;
  readonly serviceTime = new ServiceTime();
  private readonly delay: ControlledDelay;
  private readonly now: () => number;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly options: InferenceQueueOptions) {
    this.workers = Math.max(1, options.workers ?? 1);
    this.now = options.now ?? (() => performance.now());
    this.delay = new ControlledDelay({
      intervalMs: (from) => this.intervalMs(from),
      now: this.now,
    });
  }

  /** Draining (the long wait applies) or standing (the target applies). */
  get state(): QueueState {
    return this.delay.state;
  }

  /** One median service time ÷ workers, ms; undefined before the first execution. */
  private perWorkerServiceMs(): number | undefined {
    const s = this.serviceTime.medianMs;
    return s === undefined ? undefined : s / this.workers;
  }

  /** QUEUE_INTERVAL_MS, ms: how long the queue must stand (or stay empty) to leave `from`. */
  intervalMs(from: QueueState): number {
    const interval = this.options.intervalMs ?? 'auto';
    if (interval !== 'auto') return interval;
    return autoIntervalMs(from, this.perWorkerServiceMs(), this.expectedWaitMs());
  }

  /** QUEUE_TARGET_MS, ms; undefined while `auto` has no sample yet. */
  targetMs(): number | undefined {
    const target = this.options.targetMs ?? 'auto';
    return target === 'auto' ? this.perWorkerServiceMs() : target;
  }

  /** Stops the timer that moves the state while nothing happens. */
  close(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
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
    const ahead = this.ahead();
    if (ahead < this.workers) return 0;
    return (ahead * s) / this.workers;
  }

  /** The expected wait admitted now, ms; undefined while an `auto` target has no sample yet. */
  waitLimitMs(): number | undefined {
    return this.delay.state === QueueState.STANDING ? this.targetMs() : this.options.maxWaitMs;
  }

  /** Seconds a rejected client should wait before retrying: the time to work off the queue. */
  retryAfterSeconds(): number {
    const s = this.serviceTime.medianMs ?? INITIAL_SERVICE_MS;
    const ms = (this.ahead() * s) / this.workers;
    return Math.min(60, Math.max(1, Math.ceil(ms / 1000)));
  }

  /** Admitted and not finished: running, waiting, and reserved with their body on the way. */
  private ahead(): number {
    return this.running + this.waiters.length + this.pending;
  }

  /** Requests that wait or will wait for a worker (reservations beyond the free workers). */
  private queued(): number {
    return Math.max(0, this.ahead() - this.workers);
  }

  /**
   * Counts a request admitted at arrival as queued work until it reaches run() or
   * ends; the returned release is idempotent (call it from both).
   */
  reserve(): () => void {
    this.pending += 1;
    this.observe();
    let held = true;
    return () => {
      if (!held) return;
      held = false;
      this.pending -= 1;
      this.observe();
    };
  }

  /** True when maxQueue already wait (or are on their way) behind busy workers: the hard cap. */
  get full(): boolean {
    return this.ahead() >= this.workers + this.options.maxQueue;
  }

  /**
   * Why a newcomer would be refused now, or undefined when it would be admitted:
   * the admission decision, taken at arrival (before the body is read).
   */
  refusal(): InferenceApiError | undefined {
    this.observe();
    if (this.full) return this.fullError();
    const expected = this.expectedWaitMs();
    const limit = this.waitLimitMs();
    if (expected !== undefined && limit !== undefined && expected > limit) {
      return this.overloaded(
        `the model is busy: the expected wait (${Math.round(expected)} ms) is longer than ` +
          `${Math.round(limit)} ms${this.delay.state === QueueState.STANDING ? ', the wait allowed while the queue stands' : ''}; retry later`,
      );
    }
    return undefined;
  }

  private fullError(): InferenceApiError {
    return this.overloaded(
      `the model is busy and ${this.queued()} requests are already waiting; retry later`,
    );
  }

  private overloaded(message: string): InferenceApiError {
    return overloaded(message, {
      reason: RejectReason.OVERLOADED,
      retryAfterSeconds: this.retryAfterSeconds(),
    });
  }

  /** Runs `task` when a worker is free; `reserved` is the release of this request's reserve(). */
  async run<T>(
    task: () => Promise<T>,
    signal?: AbortSignal,
    reserved?: () => void,
  ): Promise<QueuedResult<T>> {
    reserved?.();
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
    // Only the hard cap (it bounds memory): the wait was judged at arrival (refusal()),
    // and an admitted request is not refused later for the wait ahead of it.
    if (this.full) throw this.fullError();
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
    this.observe();
  }

  /** Moves the state if due, and arms a timer for the next move so it happens while idle too. */
  private observe(): void {
    const change = this.delay.observe(this.queued());
    if (change) this.options.onStateChange?.({ ...change, allowedWaitMs: this.waitLimitMs() });
    clearTimeout(this.timer);
    const at = this.delay.nextCheckAt();
    if (at === undefined) {
      this.timer = undefined;
      return;
    }
    // +1: a timer may fire a little early, and then observe() would find nothing due.
    this.timer = setTimeout(() => this.observe(), Math.max(0, at - this.now()) + 1);
    this.timer.unref();
  }
}

function closedWhileWaiting(): InferenceApiError {
  return clientClosed('the client closed the connection while waiting');
}
