import {
  binomialUpper,
  normalUpper,
  regularizedBeta,
} from '../../../src/canary/stats/distributions';

/** P(X ≥ k) for X ~ Binomial(n, p) by summing the terms (integers only). */
function binomialSum(k: number, n: number, p: number): number {
  let total = 0;
  let term = (1 - p) ** n;
  for (let i = 0; i <= n; i += 1) {
    if (i >= k) total += term;
    term *= ((n - i) / (i + 1)) * (p / (1 - p));
  }
  return total;
}

it('normalUpper: textbook values, and the far tail keeps its relative precision', () => {
  expect(normalUpper(0)).toBeCloseTo(0.5, 7);
  expect(normalUpper(1.6448536)).toBeCloseTo(0.05, 6);
  expect(normalUpper(-1.959964)).toBeCloseTo(0.975, 6);
  // 1 - Φ(6) = 9.8659e-10: a cdf subtracted from 1 would lose it.
  expect(normalUpper(6) / 9.8658765e-10).toBeCloseTo(1, 5);
  expect(normalUpper(NaN)).toBeNaN();
});

it.each([
  [3, 10, 0.1],
  [1, 5, 0.5],
  [5, 8, 0.1],
  [9, 180, 0.01],
  [40, 200, 0.15],
])('binomialUpper(%d, %d, %d) equals the sum of the terms', (k, n, p) => {
  expect(binomialUpper(k, n, p) / binomialSum(k, n, p)).toBeCloseTo(1, 8);
});

it('binomialUpper: edges, and fractional counts between the integer ones', () => {
  expect(binomialUpper(0, 10, 0.3)).toBe(1);
  expect(binomialUpper(11, 10, 0.3)).toBe(0);
  const between = binomialUpper(3.5, 10.5, 0.2);
  expect(between).toBeLessThan(binomialUpper(3, 10, 0.2));
  expect(between).toBeGreaterThan(binomialUpper(4, 10, 0.2));
});

it('regularizedBeta: symmetric and bounded', () => {
  expect(regularizedBeta(0.3, 2, 5) + regularizedBeta(0.7, 5, 2)).toBeCloseTo(1, 12);
  expect(regularizedBeta(0, 2, 3)).toBe(0);
  expect(regularizedBeta(1, 2, 3)).toBe(1);
});
