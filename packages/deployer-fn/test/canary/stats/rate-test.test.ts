import { binomialUpper } from '../../../src/canary/stats/distributions';
import { rateTest } from '../../../src/canary/stats/rate-test';

it('p is the mid-p of the canary share of all events: P(X > k) + P(X = k) / 2', () => {
  // 6 errors in all, the canary holds 10 % of the requests and 3 of the errors.
  const r = rateTest({ events: 3, n: 100 }, { events: 3, n: 900 });
  expect(r.events).toBe(3);
  expect(r.expected).toBeCloseTo(0.6, 12);
  // P(X >= 3) = 0.01585 and P(X >= 4) = 0.00127 for X ~ Binomial(6, 0.1).
  expect(r.p).toBeCloseTo((0.01585 + 0.00127) / 2, 5);
  expect(r.p).toBeLessThan(binomialUpper(3, 6, 0.1));
  expect(r.p).toBeGreaterThan(binomialUpper(4, 6, 0.1));
  expect(r.canaryRate).toBeCloseTo(0.03, 12);
  expect(r.stableRate).toBeCloseTo(3 / 900, 12);
});

it('no canary events, or an empty track, is no evidence (p = 1)', () => {
  expect(rateTest({ events: 0, n: 100 }, { events: 5, n: 900 }).p).toBe(1);
  expect(rateTest({ events: 3, n: 100 }, { events: 0, n: 0 }).p).toBe(1);
});

it('a canary with all the events and most of the requests is not significant', () => {
  // 9 of 9 events on a track with 90 % of the requests: P(X >= 9) = 0.9^9.
  const r = rateTest({ events: 9, n: 900 }, { events: 0, n: 100 });
  expect(r.p).toBeCloseTo(0.9 ** 9 / 2, 10);
  expect(r.p).toBeGreaterThan(0.1);
});
