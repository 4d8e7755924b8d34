import type { TrackEvidence } from '../../../src/canary/stats/track-evidence';
import { evidenceSince } from '../../../src/canary/stats/track-evidence';

const evidence = (n: number, slow: number, sums = true): TrackEvidence => ({
  requests: n,
  errors: n / 100,
  latency: { '0.25': n - slow, '2.5': n, '+Inf': n },
  instances: { '2': n, '+Inf': n },
  topScore: { '0.9': n, '+Inf': n },
  ...(sums ? { instancesSum: 2 * n, topScoreSum: 0.9 * n } : {}),
});

it('keeps only what the counters gained since the base: counts, buckets and sums', () => {
  // 40 answers before the base, 30 of them slow; 100 after it, all fast.
  const since = evidenceSince(evidence(140, 30), evidence(40, 30));
  expect(since.requests).toBe(100);
  expect(since.errors).toBeCloseTo(1);
  expect(since.latency).toEqual({ '0.25': 100, '2.5': 100, '+Inf': 100 });
  expect(since.instances).toEqual({ '2': 100, '+Inf': 100 });
  expect(since.instancesSum).toBe(200);
  expect(since.topScoreSum).toBeCloseTo(90);
});

it('sums stay absent when the track does not export them', () => {
  const since = evidenceSince(evidence(30, 0, false), evidence(10, 0, false));
  expect(since.latency).toEqual({ '0.25': 20, '2.5': 20, '+Inf': 20 });
  expect(since).not.toHaveProperty('instancesSum');
  expect(since).not.toHaveProperty('topScoreSum');
});

it('counters that went down (the pods restarted) are the evidence since the restart', () => {
  const now = evidence(25, 0);
  expect(evidenceSince(now, evidence(80, 10))).toBe(now);
});
