import { InferenceApiError } from '../../src/errors';
import { InferenceQueue } from '../../src/plugins/inference-queue';

/** A task the test finishes by hand, so ordering is exact without timing. */
function gate(): { task: () => Promise<string>; open: (v?: string) => void; started: boolean } {
  let open!: (v?: string) => void;
  const g = {
    started: false,
    open: (v?: string) => open(v),
    task: () => {
      g.started = true;
      return new Promise<string>((resolve) => (open = (v) => resolve(v ?? 'done')));
    },
  };
  return g;
}

const tick = () => new Promise((r) => setImmediate(r));

describe('InferenceQueue', () => {
  it('runs one task at a time, in arrival order', async () => {
    const q = new InferenceQueue({ maxQueue: 4, timeoutMs: 60_000 });
    const [a, b, c] = [gate(), gate(), gate()];
    const ra = q.run(a.task);
    const rb = q.run(b.task);
    const rc = q.run(c.task);
    await tick();
    expect([a.started, b.started, c.started]).toEqual([true, false, false]);
    expect([q.active, q.waiting]).toEqual([1, 2]);
    a.open('A');
    await expect(ra).resolves.toMatchObject({ value: 'A' });
    await tick();
    expect([b.started, c.started]).toEqual([true, false]);
    b.open('B');
    await tick();
    expect(c.started).toBe(true);
    c.open('C');
    const results = await Promise.all([rb, rc]);
    expect(results.map((r) => r.value)).toEqual(['B', 'C']);
    expect(results[1]!.waitMs).toBeGreaterThan(0);
    expect([q.active, q.waiting]).toEqual([0, 0]);
  });

  it('refuses at once with OVERLOADED when maxQueue are already waiting', async () => {
    const q = new InferenceQueue({ maxQueue: 1, timeoutMs: 60_000 });
    const [a, b, c] = [gate(), gate(), gate()];
    const ra = q.run(a.task);
    const rb = q.run(b.task);
    const err = await q.run(c.task).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InferenceApiError);
    expect((err as InferenceApiError).code).toBe('OVERLOADED');
    expect((err as InferenceApiError).details?.['retryAfterSeconds']).toBeGreaterThanOrEqual(1);
    expect(c.started).toBe(false);
    a.open();
    await tick();
    b.open();
    await Promise.all([ra, rb]);
  });

  it('with maxQueue 0 serves one and refuses everything else', async () => {
    const q = new InferenceQueue({ maxQueue: 0, timeoutMs: 60_000 });
    const a = gate();
    const ra = q.run(a.task);
    await expect(q.run(gate().task)).rejects.toMatchObject({ code: 'OVERLOADED' });
    a.open();
    await ra;
    const b = gate();
    const rb = q.run(b.task);
    b.open();
    await expect(rb).resolves.toMatchObject({ value: 'done' });
  });

  it('times a waiter out with QUEUE_TIMEOUT and never starts its work', async () => {
    const q = new InferenceQueue({ maxQueue: 4, timeoutMs: 50 });
    const [a, b] = [gate(), gate()];
    const ra = q.run(a.task);
    const rb = q.run(b.task);
    await expect(rb).rejects.toMatchObject({ code: 'QUEUE_TIMEOUT' });
    expect(q.waiting).toBe(0);
    a.open();
    await ra;
    await tick();
    expect(b.started).toBe(false);
  });

  it('drops a waiter whose client went away, and its work never starts', async () => {
    const changes: number[] = [];
    const q = new InferenceQueue({
      maxQueue: 4,
      timeoutMs: 60_000,
      onChange: (waiting) => changes.push(waiting),
    });
    const [a, b, c] = [gate(), gate(), gate()];
    const ra = q.run(a.task);
    const gone = new AbortController();
    const rb = q.run(b.task, gone.signal);
    const rc = q.run(c.task);
    await tick();
    gone.abort();
    await expect(rb).rejects.toMatchObject({ details: { reason: 'client_closed' } });
    expect(q.waiting).toBe(1);
    a.open();
    await ra;
    await tick();
    expect(b.started).toBe(false);
    expect(c.started).toBe(true);
    c.open();
    await rc;
    expect(changes.at(-1)).toBe(0);
  });

  it('a newcomer cannot overtake a waiter being handed the slot', async () => {
    const q = new InferenceQueue({ maxQueue: 4, timeoutMs: 60_000 });
    const [a, b, c] = [gate(), gate(), gate()];
    const ra = q.run(a.task);
    const rb = q.run(b.task);
    a.open();
    // Same turn as the hand-over: c must queue behind b, not run beside it.
    void ra.then(() => q.run(c.task));
    await ra;
    await tick();
    expect(b.started).toBe(true);
    expect(c.started).toBe(false);
    expect(q.active).toBe(1);
    b.open();
    await rb;
    await tick();
    expect(c.started).toBe(true);
    c.open();
  });

  it('keeps propagating task failures and frees the slot', async () => {
    const q = new InferenceQueue({ maxQueue: 1, timeoutMs: 60_000 });
    await expect(q.run(() => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(q.active).toBe(0);
    await expect(q.run(async () => 7)).resolves.toMatchObject({ value: 7 });
  });
});
