import { lookAlpha, spent } from '../../../src/canary/stats/alpha-spending';

it('the looks of one analysis spend exactly the budget, more at the later ones', () => {
  const shares = [30, 60, 90, 120, 150, 180].map((e) =>
    lookAlpha(0.02, { elapsedSeconds: e, previousElapsedSeconds: e - 30 }, 180),
  );
  expect(shares.reduce((a, b) => a + b, 0)).toBeCloseTo(0.02, 15);
  for (let i = 1; i < shares.length; i += 1) expect(shares[i]).toBeGreaterThan(shares[i - 1]);
});

it('a late or repeated look spends nothing twice; past the end nothing is left', () => {
  expect(lookAlpha(0.02, { elapsedSeconds: 60, previousElapsedSeconds: 60 }, 180)).toBe(0);
  expect(lookAlpha(0.02, { elapsedSeconds: 240, previousElapsedSeconds: 210 }, 180)).toBe(0);
  // A delayed final look gets what the skipped looks left.
  expect(lookAlpha(0.02, { elapsedSeconds: 200, previousElapsedSeconds: 150 }, 180)).toBeCloseTo(
    0.02 - spent(0.02, 150 / 180),
    15,
  );
});
