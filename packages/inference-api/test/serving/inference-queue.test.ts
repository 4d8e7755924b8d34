import { InferenceApiError } from '../../src/errors';
import { InferenceQueue } from '../../src/serving/inference-queue';

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
    expect(results[1].waitMs).toBeGreaterThan(0);
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
    expect((err as InferenceApiError).retryAfterSeconds).toBeGreaterThanOrEqual(1);
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
    await expect(rb).rejects.toMatchObject({ reason: 'client_closed' });
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
    await expect(q.run(() => Promise.resolve(7))).resolves.toMatchObject({ value: 7 });
  });

  describe('admission by expected wait', () => {
    it('before any execution has been timed, admits up to maxQueue', async () => {
      const q = new InferenceQueue({ maxQueue: 3, intervalMs: 0, timeoutMs: 60_000 });
      const gates = [gate(), gate(), gate(), gate()];
      const runs = gates.map((g) => q.run(g.task));
      await tick();
      expect([q.active, q.waiting]).toEqual([1, 3]);
      expect(q.refusal()).toMatchObject({ code: 'OVERLOADED' });
      for (const [i, g] of gates.entries()) {
        g.open();
        await runs[i];
        await tick();
      }
    });

    it('interval 0: refuses at arrival once one median service time of work is ahead', async () => {
      const q = new InferenceQueue({ maxQueue: 16, intervalMs: 0, timeoutMs: 60_000 });
      q.serviceTime.record(100);
      const [a, b, c] = [gate(), gate(), gate()];
      const ra = q.run(a.task);
      expect(q.expectedWaitMs()).toBe(100); // one running: wait ≈ one service time, admitted
      const rb = q.run(b.task);
      await tick();
      expect(q.expectedWaitMs()).toBe(200);
      expect(q.refusal()).toMatchObject({
        code: 'OVERLOADED',
        message: expect.stringContaining('expected wait (200 ms) is longer than 100 ms'),
        reason: 'overloaded',
        retryAfterSeconds: 1,
      });
      // Admitted at arrival (the route asked refusal() before the body), it is not
      // refused later for the wait: only the hard cap applies in run().
      const rc = q.run(c.task);
      await tick();
      expect(q.waiting).toBe(2);
      a.open();
      await ra;
      await tick();
      b.open();
      await rb;
      await tick();
      c.open();
      await rc;
    });

    it('a number of ms admits as many waiters as fit in it, and follows the estimate', async () => {
      // The clock stands still: the queue never stands, MAX_QUEUE_WAIT_MS applies throughout.
      const q = new InferenceQueue({
        maxQueue: 16,
        maxWaitMs: 250,
        timeoutMs: 60_000,
        now: () => 0,
      });
      q.serviceTime.record(100);
      const gates = [gate(), gate()];
      const runs = gates.map((g) => q.run(g.task));
      await tick();
      expect(q.refusal()).toBeUndefined(); // (1 waiting + 1 running) × 100 = 200 <= 250
      const third = gate();
      runs.push(q.run(third.task));
      gates.push(third);
      await tick();
      expect(q.refusal()).toMatchObject({ code: 'OVERLOADED' }); // 300 > 250
      // The model got faster: the same queue is now within the limit.
      for (let i = 0; i < 32; i++) q.serviceTime.record(50);
      expect(q.refusal()).toBeUndefined();
      for (const [i, g] of gates.entries()) {
        g.open();
        await runs[i];
        await tick();
      }
    });

    it('maxQueue stays a hard cap whatever the wait limit', async () => {
      const q = new InferenceQueue({ maxQueue: 1, maxWaitMs: 3_600_000, timeoutMs: 60_000 });
      q.serviceTime.record(1);
      const [a, b] = [gate(), gate()];
      const ra = q.run(a.task);
      const rb = q.run(b.task);
      await expect(q.run(gate().task)).rejects.toMatchObject({
        code: 'OVERLOADED',
        message: expect.stringContaining('1 requests are already waiting'),
      });
      a.open();
      await ra;
      await tick();
      b.open();
      await rb;
    });

    it('with several workers, runs them at once and divides the queued work among them', async () => {
      const q = new InferenceQueue({
        maxQueue: 16,
        maxWaitMs: 100,
        workers: 2,
        timeoutMs: 60_000,
      });
      q.serviceTime.record(100);
      const [a, b, c] = [gate(), gate(), gate()];
      const runs = [q.run(a.task), q.run(b.task)];
      await tick();
      expect([a.started, b.started, q.active]).toEqual([true, true, 2]);
      expect(q.expectedWaitMs()).toBe(100); // 2 running × 100 ÷ 2
      runs.push(q.run(c.task));
      await tick();
      expect(q.expectedWaitMs()).toBe(150);
      expect(q.refusal()).toMatchObject({ code: 'OVERLOADED' });
      a.open();
      await runs[0];
      await tick();
      expect(c.started).toBe(true);
      b.open();
      c.open();
      await Promise.all(runs);
    });

    it('times every execution into the estimate', async () => {
      const q = new InferenceQueue({ maxQueue: 1, timeoutMs: 60_000 });
      expect(q.serviceTime.medianMs).toBeUndefined();
      await q.run(() => Promise.resolve(1));
      expect(q.serviceTime.count).toBe(1);
      expect(q.serviceTime.medianMs).toBeGreaterThanOrEqual(0);
    });
  });

  describe('controlled delay', () => {
    /** A queue on a clock the test moves, its state changes recorded. */
    function clocked(options: { maxQueue: number; maxWaitMs: number }) {
      let now = 0;
      const changes: { state: string; allowedWaitMs: number | undefined }[] = [];
      const q = new InferenceQueue({
        ...options,
        targetMs: 'auto',
        intervalMs: 100,
        timeoutMs: 60_000,
        now: () => now,
        onStateChange: ({ state, allowedWaitMs }) => changes.push({ state, allowedWaitMs }),
      });
      // A full window: the gates' own (real, short) executions do not move the median.
      for (let i = 0; i < 32; i++) q.serviceTime.record(50);
      return { q, changes, at: (ms: number) => (now = ms) };
    }

    it('admits a burst of maxQueue on an idle queue, then holds a standing queue to the target', async () => {
      const { q, changes, at } = clocked({ maxQueue: 16, maxWaitMs: 10_000 });
      const gates = Array.from({ length: 17 }, () => gate());
      const runs = gates.map((g) => q.run(g.task));
      await tick();
      expect([q.active, q.waiting]).toEqual([1, 16]); // 850 ms expected, all admitted
      expect(q.state).toBe('draining');
      at(99);
      expect(q.refusal()?.message).toContain('already waiting'); // the hard cap only
      gates[0]?.open();
      await runs[0];
      await tick();
      expect(q.refusal()).toBeUndefined(); // 15 waiting: 800 ms <= 10 s
      at(100);
      expect(q.refusal()).toMatchObject({
        code: 'OVERLOADED',
        message: expect.stringContaining(
          'longer than 50 ms, the wait allowed while the queue stands',
        ),
      });
      expect(changes).toEqual([{ state: 'standing', allowedWaitMs: 50 }]);
      // Admitted requests are not dropped: every one of them is served.
      for (const [i, g] of gates.entries()) {
        g.open();
        await runs[i];
        await tick();
      }
      expect(q.waiting).toBe(0);
      at(150);
      expect(q.refusal()).toBeUndefined(); // nothing waits: admitted even while standing
      expect(q.state).toBe('standing');
      at(200);
      q.refusal();
      expect(q.state).toBe('draining');
      expect(changes).toEqual([
        { state: 'standing', allowedWaitMs: 50 },
        { state: 'draining', allowedWaitMs: 10_000 },
      ]);
      q.close();
    });

    /**
     * One worker, a service time of `serviceMs` on the test's clock: requests arrive at
     * `arrivals` (ms), each asks refusal() as the route does, and each admitted one runs
     * for serviceMs after the one before it. Says, per arrival, whether it was admitted.
     */
    async function simulate(
      intervalMs: number | 'auto',
      serviceMs: number,
      arrivals: number[],
    ): Promise<boolean[]> {
      let now = 0;
      const q = new InferenceQueue({
        maxQueue: 16,
        maxWaitMs: 10_000,
        targetMs: 'auto',
        intervalMs,
        timeoutMs: 60_000,
        now: () => now,
      });
      // A full window: the gates' own (real, short) executions do not move the median.
      for (let i = 0; i < 32; i++) q.serviceTime.record(serviceMs);
      const running: { g: ReturnType<typeof gate>; run: Promise<unknown>; endsAt: number }[] = [];
      const finishUntil = async (t: number): Promise<void> => {
        for (let head = running[0]; head && head.endsAt <= t; head = running[0]) {
          now = head.endsAt;
          head.g.open();
          await head.run;
          running.shift();
          await tick();
        }
      };
      const admitted: boolean[] = [];
      for (const at of arrivals) {
        await finishUntil(at);
        now = at;
        const ok = q.refusal() === undefined;
        admitted.push(ok);
        if (!ok) continue;
        const g = gate();
        const startsAt = Math.max(at, running.at(-1)?.endsAt ?? at);
        running.push({ g, run: q.run(g.task), endsAt: startsAt + serviceMs });
        await tick();
      }
      await finishUntil(Infinity);
      q.close();
      return admitted;
    }
    const every = (gapMs: number, n: number) => Array.from({ length: n }, (_, i) => i * gapMs);

    it('auto: a 3x overload stands after half a service time, so its onset admits 3, not a long queue', async () => {
      // 60 ms per request, one every 20 ms. The queue fills at 20 ms (the second
      // request waits) and holds 2-3 service times of wait: a sixth of that is less
      // than half a service time, so it stands at 50 ms and the request of 60 ms is
      // held to the target (A2 running and A3 waiting: 120 ms > 60 ms).
      const admitted = await simulate('auto', 60, every(20, 15));
      expect(admitted.slice(0, 4)).toEqual([true, true, true, false]);
      // From then on, one running and at most one waiting: about a third is admitted.
      expect(admitted.filter(Boolean).length).toBe(6);
      // The interval before it (max(100 ms, one service time)) admits twice the onset.
      const before = await simulate(100, 60, every(20, 15));
      expect(before.slice(0, 7)).toEqual([true, true, true, true, true, true, false]);
    });

    it('auto: a burst that takes longer than a service time to arrive is admitted whole', async () => {
      // 16 concurrent clients on a cold loopback, as measured: 64 ms to arrive, with a
      // 42 ms service time. The queue's wait grows by a service time per arrival, so a
      // sixth of it outgrows the time it has stood.
      const burst = [0, 7, 9, 11, 15, 20, 24, 30, 34, 38, 43, 47, 52, 56, 60, 64];
      expect(await simulate('auto', 42, burst)).toEqual(burst.map(() => true));
      // A fixed interval of half a service time would refuse its stragglers.
      expect((await simulate(21, 42, burst)).filter((ok) => !ok).length).toBeGreaterThan(0);
    });

    it('counts requests admitted at arrival, bodies still on the way, as queued work', () => {
      const { q, changes, at } = clocked({ maxQueue: 2, maxWaitMs: 10_000 });
      // A burst: every head arrives before any body is read, so nothing runs or waits yet.
      const first = q.reserve();
      const second = q.reserve();
      expect(q.expectedWaitMs()).toBe(100); // 2 ahead × 50 ms
      expect(q.refusal()).toBeUndefined();
      const third = q.reserve();
      expect(q.refusal()?.message).toContain('2 requests are already waiting'); // the cap
      third(); // a body that never came (or a bad one) gives its place back
      at(100);
      expect(q.refusal()?.message).toContain('while the queue stands');
      expect(changes.map((c) => c.state)).toEqual(['standing']);
      // Once only, however often it is called.
      for (const release of [first, second, third, third]) release();
      expect(q.expectedWaitMs()).toBe(0);
      q.close();
    });
  });
});
