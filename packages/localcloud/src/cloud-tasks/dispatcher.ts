import { fakeIdentityToken } from '../metadata-server';
import type { TaskSpec } from './task';

export interface RetryPolicy {
  /** Attempts in all, the first included (Cloud Tasks' maxAttempts). */
  maxAttempts: number;
  minBackoffMs: number;
  maxBackoffMs: number;
}

export interface DeliveryAttempt {
  /** 0 for the first attempt (the X-CloudTasks-TaskRetryCount sent). */
  retry: number;
  atMs: number;
  status?: number;
  error?: string;
}

export const TASK_STATE = {
  delivered: 'delivered',
  failed: 'failed',
  deleted: 'deleted',
} as const;
export type TaskState = (typeof TASK_STATE)[keyof typeof TASK_STATE];

export interface TaskOutcome {
  name: string;
  state: TaskState;
  attempts: DeliveryAttempt[];
}

export type LogLine = (entry: Record<string, unknown>) => void;

interface Entry {
  spec: TaskSpec;
  attempts: DeliveryAttempt[];
  timer?: NodeJS.Timeout;
  abort?: AbortController;
}

interface Waiter {
  settle(outcome: TaskOutcome): void;
  fail(err: Error): void;
}

// setTimeout holds at most 2^31-1 ms; longer waits are chained.
const MAX_TIMER_MS = 2 ** 31 - 1;
const OUTCOME_LIMIT = 10_000;

/** Holds the pending tasks of every queue; delivers each at its scheduleTime, with retries. */
export class Dispatcher {
  private readonly pending = new Map<string, Entry>();
  /** Name → time until which the name stays taken (Cloud Tasks dedupes recent names too). */
  private readonly taken = new Map<string, number>();
  private readonly outcomes = new Map<string, TaskOutcome>();
  private readonly waiters = new Map<string, Waiter[]>();
  private closed = false;

  constructor(
    private readonly retry: RetryPolicy,
    private readonly dedupeWindowMs: number,
    private readonly log: LogLine,
  ) {}

  /** False when the name is pending or was used within the dedupe window. */
  add(spec: TaskSpec): boolean {
    const now = Date.now();
    for (const [name, until] of this.taken) if (until <= now) this.taken.delete(name);
    if (this.pending.has(spec.name) || this.taken.has(spec.name)) return false;
    this.taken.set(spec.name, Math.max(now, spec.scheduleTimeMs) + this.dedupeWindowMs);
    const entry: Entry = { spec, attempts: [] };
    this.pending.set(spec.name, entry);
    this.arm(entry, spec.scheduleTimeMs);
    return true;
  }

  list(queue: string): Entry[] {
    return [...this.pending.values()].filter((e) => e.spec.queue === queue);
  }

  get(name: string): Entry | undefined {
    return this.pending.get(name);
  }

  delete(name: string): boolean {
    const entry = this.pending.get(name);
    if (!entry) return false;
    this.finish(entry, TASK_STATE.deleted);
    return true;
  }

  /** Resolves when the task (full name, or its id if unambiguous) completes, whatever the outcome. */
  waitSettled(name: string, timeoutMs: number): Promise<TaskOutcome> {
    const known = this.outcomes.get(name) ?? this.outcomeById(name);
    if (known) return Promise.resolve(known);
    if (this.closed) return Promise.reject(new Error('cloud tasks stand-in is closed'));
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        remove();
        reject(new Error(`task ${name} did not complete within ${timeoutMs} ms`));
      }, timeoutMs);
      const waiter: Waiter = {
        settle: (o) => {
          clearTimeout(timer);
          resolve(o);
        },
        fail: (err) => {
          clearTimeout(timer);
          reject(err);
        },
      };
      const remove = (): void => {
        const list = this.waiters.get(name) ?? [];
        this.waiters.set(
          name,
          list.filter((w) => w !== waiter),
        );
      };
      this.waiters.set(name, [...(this.waiters.get(name) ?? []), waiter]);
    });
  }

  close(): void {
    this.closed = true;
    for (const entry of this.pending.values()) {
      clearTimeout(entry.timer);
      entry.abort?.abort();
    }
    this.pending.clear();
    for (const list of this.waiters.values()) {
      for (const w of list) w.fail(new Error('cloud tasks stand-in closed'));
    }
    this.waiters.clear();
  }

  private outcomeById(id: string): TaskOutcome | undefined {
    if (id.includes('/')) return undefined;
    return [...this.outcomes.values()].find((o) => o.name.endsWith(`/tasks/${id}`));
  }

  private arm(entry: Entry, atMs: number): void {
    const delay = Math.max(0, atMs - Date.now());
    entry.timer = setTimeout(
      () => {
        // A chained timer, or a timer that fired a little early: wait for the rest.
        if (Date.now() < atMs) this.arm(entry, atMs);
        else void this.attempt(entry);
      },
      Math.min(delay, MAX_TIMER_MS),
    );
  }

  private async attempt(entry: Entry): Promise<void> {
    const { spec } = entry;
    const retry = entry.attempts.length;
    const attempt: DeliveryAttempt = { retry, atMs: Date.now() };
    const abort = new AbortController();
    entry.abort = abort;
    const deadline = setTimeout(() => abort.abort(), spec.dispatchDeadlineMs);
    try {
      const res = await fetch(spec.url, {
        method: spec.method,
        headers: this.headers(entry),
        body: spec.method === 'GET' || spec.method === 'HEAD' ? undefined : spec.body,
        signal: abort.signal,
        redirect: 'manual',
      });
      attempt.status = res.status;
      await res.arrayBuffer().catch(() => undefined);
    } catch (err) {
      attempt.error = abort.signal.aborted ? 'dispatch deadline exceeded' : String(err);
    } finally {
      clearTimeout(deadline);
      entry.abort = undefined;
    }
    if (this.closed || !this.pending.has(spec.name)) return;
    entry.attempts.push(attempt);
    const ok = attempt.status !== undefined && attempt.status >= 200 && attempt.status < 300;
    const result = attempt.status ?? attempt.error;
    if (ok) {
      this.log({ event: 'delivered', task: spec.name, status: attempt.status, retry });
      this.finish(entry, TASK_STATE.delivered);
    } else if (entry.attempts.length >= this.retry.maxAttempts) {
      this.log({ event: 'failed', task: spec.name, result, attempts: entry.attempts.length });
      this.finish(entry, TASK_STATE.failed);
    } else {
      const backoff = Math.min(this.retry.minBackoffMs * 2 ** retry, this.retry.maxBackoffMs);
      this.log({ event: 'retry', task: spec.name, result, retry: retry + 1, backoffMs: backoff });
      this.arm(entry, Date.now() + backoff);
    }
  }

  private headers(entry: Entry): Record<string, string> {
    const { spec, attempts } = entry;
    const h: Record<string, string> = { ...spec.headers };
    for (const k of Object.keys(h)) if (k.toLowerCase() === 'authorization') delete h[k];
    if (spec.body.length > 0 && !Object.keys(h).some((k) => k.toLowerCase() === 'content-type')) {
      h['content-type'] = 'application/octet-stream';
    }
    const prev = attempts.at(-1);
    Object.assign(h, {
      'user-agent': 'Google-Cloud-Tasks',
      'x-cloudtasks-queuename': spec.queue.split('/').at(-1) ?? '',
      'x-cloudtasks-taskname': spec.id,
      'x-cloudtasks-taskretrycount': String(attempts.length),
      'x-cloudtasks-taskexecutioncount': String(attempts.filter((a) => a.status).length),
      'x-cloudtasks-tasketa': (spec.scheduleTimeMs / 1000).toFixed(6),
    });
    if (prev?.status !== undefined) h['x-cloudtasks-taskpreviousresponse'] = String(prev.status);
    if (spec.oidc) {
      const { audience, serviceAccountEmail } = spec.oidc;
      h.authorization = `Bearer ${fakeIdentityToken(audience, serviceAccountEmail)}`;
    }
    return h;
  }

  private finish(entry: Entry, state: TaskState): void {
    clearTimeout(entry.timer);
    entry.abort?.abort();
    this.pending.delete(entry.spec.name);
    const outcome: TaskOutcome = { name: entry.spec.name, state, attempts: entry.attempts };
    this.outcomes.set(outcome.name, outcome);
    if (this.outcomes.size > OUTCOME_LIMIT) {
      const oldest = this.outcomes.keys().next().value;
      if (oldest !== undefined) this.outcomes.delete(oldest);
    }
    for (const key of [outcome.name, entry.spec.id]) {
      for (const w of this.waiters.get(key) ?? []) w.settle(outcome);
      this.waiters.delete(key);
    }
  }
}
