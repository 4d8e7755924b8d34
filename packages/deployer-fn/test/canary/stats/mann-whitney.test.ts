import { mannWhitney, pGreater, pShifted } from '../../../src/canary/stats/mann-whitney';

it('U counts pairs where the first is larger, ties one half', () => {
  // first: one in bin 0, two in bin 2; second: two in bin 1, one in bin 2.
  const t = mannWhitney([1, 0, 2], [0, 2, 1]);
  // bin 0: 1 × 0 below; bin 2: 2 × (2 below + 1 tie / 2) = 5.
  expect(t.u).toBe(5);
  expect(t.n1).toBe(3);
  expect(t.n2).toBe(3);
  expect(t.effect).toBeCloseTo(5 / 9, 12);
});

it('the same distribution gives z = 0 and p = 0.5 / 1', () => {
  const t = mannWhitney([10, 20, 30], [100, 200, 300]);
  expect(t.z).toBeCloseTo(0, 12);
  expect(pGreater(t)).toBeCloseTo(0.5, 6);
  expect(pShifted(t)).toBeCloseTo(1, 6);
});

it('the tie correction: everything in one bin cannot be told apart', () => {
  const t = mannWhitney([0, 50, 0], [0, 500, 0]);
  expect(t.z).toBe(0);
  expect(pGreater(t)).toBeCloseTo(0.5, 6);
});

it('a slower first sample: one-sided p small, and symmetric in the other direction', () => {
  const slow = mannWhitney([0, 5, 25], [200, 100, 10]);
  expect(slow.z).toBeGreaterThan(5);
  expect(pGreater(slow)).toBeLessThan(1e-6);
  const fast = mannWhitney([25, 5, 0], [10, 100, 200]);
  expect(fast.z).toBeCloseTo(-slow.z, 12);
  expect(pShifted(fast)).toBeCloseTo(pShifted(slow), 12);
});

it('an empty sample tests nothing', () => {
  expect(mannWhitney([0, 0], [3, 4])).toMatchObject({ z: 0, n1: 0, n2: 7 });
});

it('agrees with the textbook tie-corrected z on a small example', () => {
  // Ranks of 1,2,2,3 (first) and 2,3,3,4 (second) over 8 values; R1 = 1 + 3 + 3 + 6 = 13.
  const t = mannWhitney([1, 2, 1, 0], [0, 1, 2, 1]);
  const u = 13 - (4 * 5) / 2;
  expect(t.u).toBe(u);
  const ties = [1, 3, 3, 1].reduce((a, k) => a + k ** 3 - k, 0);
  const variance = ((4 * 4) / 12) * (9 - ties / (8 * 7));
  expect(t.z).toBeCloseTo((u - 8) / Math.sqrt(variance), 12);
});
