import {
  approximateMean,
  atOrBelow,
  quantile,
  sharedBins,
  total,
} from '../../../src/canary/stats/histogram';

it('total is the +Inf count; no +Inf bucket means no usable histogram', () => {
  expect(total({ '0.5': 2, '1': 5, '+Inf': 7 })).toBe(7);
  expect(total({ '0.5': 2, '1': 5 })).toBe(0);
  expect(total({})).toBe(0);
});

it('sharedBins: per-bin counts over the bounds both sides have', () => {
  // The canary's build added 0.75; its count falls into the shared 1 bucket.
  const canary = { '0.5': 1, '0.75': 3, '1': 4, '+Inf': 6 };
  const stable = { '0.5': 10, '1': 30, '+Inf': 40 };
  expect(sharedBins(canary, stable)).toEqual({
    a: [1, 3, 2],
    b: [10, 20, 10],
    bounds: [0.5, 1, Infinity],
  });
});

it('sharedBins: counts made monotonic, as histogram_quantile does (extrapolation noise)', () => {
  const dipping = { '1': 5, '2': 4.9999, '+Inf': 8 };
  expect(sharedBins(dipping, dipping).a).toEqual([5, 0, 3]);
});

it('quantile interpolates inside the bucket, as histogram_quantile', () => {
  const h = { '0.1': 0, '0.5': 50, '1': 90, '2.5': 100, '+Inf': 100 };
  expect(quantile(h, 0.5)).toBeCloseTo(0.5, 12);
  expect(quantile(h, 0.95)).toBeCloseTo(1 + 1.5 * 0.5, 12);
  // A rank in the +Inf bucket answers the highest finite bound.
  expect(quantile({ '1': 1, '+Inf': 10 }, 0.95)).toBe(1);
  expect(quantile({ '+Inf': 0, '1': 0 }, 0.95)).toBeNaN();
});

it('atOrBelow and approximateMean', () => {
  const instances = { '0': 3, '1': 5, '2': 10, '+Inf': 10 };
  expect(atOrBelow(instances, 0)).toBe(3);
  expect(atOrBelow(instances, 7)).toBe(0);
  // 3 × 0 + 2 × 0.5 + 5 × 1.5 over 10.
  expect(approximateMean(instances)).toBeCloseTo(0.85, 12);
});
