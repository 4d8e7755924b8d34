/**
 * Whether the queue in front of the model keeps emptying or stands, after
 * "Fail at Scale" (Maurer, ACM Queue 2015), itself after CoDel. A queue that
 * keeps emptying is absorbing a burst, which is what a queue is for, so
 * newcomers may wait long; a queue that has not emptied for a whole interval
 * is a standing queue, which only adds latency, so newcomers are held to a
 * short target. The state changes back only once the queue has stayed empty
 * for a whole interval: with an instant switch back, a queue held to the
 * target would empty between two arrivals, admit a long queue again and flap.
 *
 * Pure: the clock is injected and nothing here sets timers (the queue does).
 */
export const QueueState = {
  /** The queue has been empty within the last interval: the long wait applies. */
  DRAINING: 'draining',
  /** The queue has not emptied for a whole interval: the short target applies. */
  STANDING: 'standing',
} as const;
export type QueueState = (typeof QueueState)[keyof typeof QueueState];

export interface QueueStateChange {
  state: QueueState;
  /** How long the queue had stood (to STANDING) or been empty (to DRAINING), ms. */
  afterMs: number;
  intervalMs: number;
}

export interface ControlledDelayOptions {
  /**
   * QUEUE_INTERVAL_MS, read at each observation: how long the queue must stand to
   * leave DRAINING, or stay empty to leave STANDING (`auto` differs between the two).
   */
  intervalMs: (from: QueueState) => number;
  now?: () => number;
}

export class ControlledDelay {
  private current: QueueState = QueueState.DRAINING;
  // Exactly one of the two is set: when the queue last became empty, or non-empty.
  private emptySince: number | undefined;
  private busySince: number | undefined;
  private readonly now: () => number;

  constructor(private readonly options: ControlledDelayOptions) {
    this.now = options.now ?? (() => performance.now());
    this.emptySince = this.now();
  }

  get state(): QueueState {
    return this.current;
  }

  /**
   * Takes the number of requests waiting now (not those running) and returns the
   * change of state it causes, if any. Call it at every arrival and every change
   * of the queue, and at nextCheckAt() when nothing else happens.
   */
  observe(waiting: number): QueueStateChange | undefined {
    const now = this.now();
    if (waiting === 0) {
      this.emptySince ??= now;
      this.busySince = undefined;
    } else {
      this.busySince ??= now;
      this.emptySince = undefined;
    }
    const intervalMs = this.options.intervalMs(this.current);
    if (this.current === QueueState.DRAINING && this.busySince !== undefined) {
      const afterMs = now - this.busySince;
      if (afterMs >= intervalMs) return this.become(QueueState.STANDING, afterMs, intervalMs);
    } else if (this.current === QueueState.STANDING && this.emptySince !== undefined) {
      const afterMs = now - this.emptySince;
      if (afterMs >= intervalMs) return this.become(QueueState.DRAINING, afterMs, intervalMs);
    }
    return undefined;
  }

  /** When the state would change if the queue stays as it is, or undefined if it would not. */
  nextCheckAt(): number | undefined {
    const since = this.current === QueueState.DRAINING ? this.busySince : this.emptySince;
    return since === undefined ? undefined : since + this.options.intervalMs(this.current);
  }

  private become(state: QueueState, afterMs: number, intervalMs: number): QueueStateChange {
    this.current = state;
    return { state, afterMs, intervalMs };
  }
}
