import { ControlledDelay, QueueState } from '../../src/serving/controlled-delay';

/** A ControlledDelay on a clock the test moves by hand. */
function delay(intervalMs = 100): { d: ControlledDelay; at: (ms: number) => void } {
  let now = 0;
  const d = new ControlledDelay({ intervalMs: () => intervalMs, now: () => now });
  return { d, at: (ms) => (now = ms) };
}

describe('ControlledDelay', () => {
  it('stays draining while the queue keeps emptying within the interval', () => {
    const { d, at } = delay();
    for (let t = 0; t < 1_000; t += 60) {
      at(t);
      expect(d.observe(5)).toBeUndefined();
      at(t + 50);
      expect(d.observe(0)).toBeUndefined(); // empty again after 50 ms < 100
    }
    expect(d.state).toBe(QueueState.DRAINING);
  });

  it('turns standing once the queue has not emptied for a whole interval, once', () => {
    const { d, at } = delay();
    at(10);
    d.observe(1);
    at(60);
    expect(d.observe(7)).toBeUndefined();
    expect(d.nextCheckAt()).toBe(110);
    at(110);
    expect(d.observe(7)).toEqual({ state: QueueState.STANDING, afterMs: 100, intervalMs: 100 });
    at(500);
    expect(d.observe(3)).toBeUndefined();
    expect(d.state).toBe(QueueState.STANDING);
  });

  it('goes back to draining only after the queue has stayed empty for a whole interval', () => {
    const { d, at } = delay();
    d.observe(1);
    at(100);
    expect(d.observe(1)?.state).toBe(QueueState.STANDING);
    // Empty between two arrivals (a queue held to the target does that): still standing.
    at(150);
    expect(d.observe(0)).toBeUndefined();
    at(200);
    expect(d.observe(1)).toBeUndefined();
    at(250);
    expect(d.observe(0)).toBeUndefined();
    expect(d.nextCheckAt()).toBe(350);
    at(349);
    expect(d.observe(0)).toBeUndefined();
    at(350);
    expect(d.observe(0)).toEqual({ state: QueueState.DRAINING, afterMs: 100, intervalMs: 100 });
    expect(d.nextCheckAt()).toBeUndefined();
  });

  it('with interval 0 follows the queue at once: standing whenever anything waits', () => {
    const { d } = delay(0);
    expect(d.observe(0)).toBeUndefined();
    expect(d.observe(1)?.state).toBe(QueueState.STANDING);
    expect(d.observe(0)?.state).toBe(QueueState.DRAINING);
  });
});
