import { ServiceTime } from '../../src/serving/service-time';

describe('ServiceTime', () => {
  it('has no estimate before the first sample', () => {
    expect(new ServiceTime().medianMs).toBeUndefined();
  });

  it('is the median of the samples, so one outlier does not move it far', () => {
    const t = new ServiceTime(5);
    for (const ms of [10, 12, 11]) t.record(ms);
    expect(t.medianMs).toBe(11);
    t.record(5_000);
    expect(t.medianMs).toBe(11.5);
    t.record(9);
    expect(t.medianMs).toBe(11);
  });

  it('forgets samples older than its window and ignores nonsense', () => {
    const t = new ServiceTime(3);
    for (const ms of [100, 100, 100, 10, 10]) t.record(ms);
    expect(t.medianMs).toBe(10);
    expect(t.count).toBe(3);
    t.record(Number.NaN);
    t.record(-1);
    expect(t.count).toBe(3);
    expect(t.medianMs).toBe(10);
  });
});
