import { bucketQuantile, extrapolatedRate } from '../../src/prometheus/promql-functions';

const s = (sec: number[]) => sec.map((x) => x * 1000);

describe('extrapolatedRate (increase over (0s, 60s])', () => {
  // Each expectation worked by hand from Prometheus's rules; see the comments.
  it.each([
    // 40 in 40 s; first sample 10 s after start (< 1.1 × 10 s spacing) but the zero point
    // (value 0 at 10 s) caps the start extension at 0; end extends 10 s: 40 × 50/40.
    ['regular, starting at 0', [10, 20, 30, 40, 50], [0, 10, 20, 30, 40], 50],
    // 2 + reset correction 10 = 12 over 45 s, start extends 15 s (zero point 18.75 s away).
    ['a counter reset', [15, 30, 45, 60], [5, 10, 2, 7], 16],
    // Samples begin 50 s into the range: extend by half a spacing only (2.5 s): 20 × 12.5/10.
    ['a series that starts inside the range', [50, 55, 60], [100, 110, 120], 25],
    ['a flat counter', [20, 40, 60], [3, 3, 3], 0],
    // (3 - 4) + 4 for the reset = 3 over 40 s; start extends a full spacing (20 s): 3 × 60/40.
    ['a reset to a lower non-zero value', [20, 40, 60], [4, 1, 3], 4.5],
    ['a reset, then flat', [20, 40, 60], [4, 0, 0], 0],
  ])('%s', (_name, ts, vs, expected) => {
    const got = extrapolatedRate(s(ts), vs, 0, 60_000, false);
    expect(got).toBeCloseTo(expected, 10);
    expect(extrapolatedRate(s(ts), vs, 0, 60_000, true)).toBeCloseTo(expected / 60, 10);
  });

  it('has no value with fewer than two samples', () => {
    expect(extrapolatedRate([], [], 0, 60_000, false)).toBeUndefined();
    expect(extrapolatedRate([30_000], [5], 0, 60_000, false)).toBeUndefined();
  });
});

describe('bucketQuantile', () => {
  const b = (pairs: [number, number][]) =>
    pairs.map(([upperBound, count]) => ({ upperBound, count }));
  const regular = b([
    [0.1, 10],
    [0.5, 30],
    [1, 40],
    [Infinity, 40],
  ]);
  it.each([
    // rank 20 falls in (0.1, 0.5] holding 20: 0.1 + 0.4 × 10/20.
    ['the middle bucket', 0.5, regular, 0.3],
    // rank 2 in the first bucket, interpolated from 0: 0.1 × 2/10.
    ['the first bucket, from 0', 0.05, regular, 0.02],
    ['q = 0', 0, regular, 0],
    ['q = 1: the top of the last finite bucket reached', 1, regular, 1],
    // rank 9.5 lies beyond the finite buckets: the highest finite bound.
    [
      'the +Inf bucket',
      0.95,
      b([
        [0.1, 1],
        [0.5, 2],
        [Infinity, 10],
      ]),
      0.5,
    ],
    // Monotonicity forced: 0.5 → 5; rank 5 reached in the first bucket.
    [
      'non-monotonic counts',
      0.5,
      b([
        [0.1, 5],
        [0.5, 3],
        [Infinity, 10],
      ]),
      0.1,
    ],
    [
      'a first bucket bound ≤ 0',
      0.2,
      b([
        [-1, 5],
        [Infinity, 10],
      ]),
      -1,
    ],
    // Same bound twice (e.g. from two sources) is one bucket: 1:4, 2:8; rank 6 → 1 + 1 × 2/4.
    [
      'duplicate bounds',
      0.75,
      b([
        [1, 2],
        [1, 2],
        [2, 8],
        [Infinity, 8],
      ]),
      1.5,
    ],
    [
      'no +Inf bucket',
      0.5,
      b([
        [0.1, 1],
        [1, 2],
      ]),
      NaN,
    ],
    ['only the +Inf bucket', 0.5, b([[Infinity, 3]]), NaN],
    [
      'no observations',
      0.5,
      b([
        [0.1, 0],
        [Infinity, 0],
      ]),
      NaN,
    ],
    ['no buckets', 0.5, [], NaN],
    ['q > 1', 1.5, regular, Infinity],
    ['q < 0', -0.1, regular, -Infinity],
    ['q NaN', NaN, regular, NaN],
  ])('%s', (_name, q, buckets, expected) => {
    const got = bucketQuantile(q, buckets);
    if (Number.isNaN(expected) || !Number.isFinite(expected)) expect(got).toBe(expected);
    else expect(got).toBeCloseTo(expected, 12);
  });
});
