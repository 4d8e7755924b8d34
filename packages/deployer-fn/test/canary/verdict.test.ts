import type { CanaryEvidence, TrackEvidence, VerdictSettings } from '../../src/canary/verdict';
import { canaryVerdict } from '../../src/canary/verdict';

const T: VerdictSettings = {
  analysisSeconds: 180,
  intervalSeconds: 30,
  minRequests: 50,
  onInconclusive: 'promote',
  falseAbortRate: 0.02,
  catastropheMinRequests: 5,
  maxErrorDelta: 0.01,
  maxLatencyRatio: 1.5,
  maxBehaviourShift: 0.2,
  maxScoreShift: 0.1,
};

/** A cumulative histogram from per-bin counts over `bounds` (+Inf added). */
function hist(bounds: number[], counts: number[]): Record<string, number> {
  const h: Record<string, number> = {};
  let cum = 0;
  bounds.forEach((b, i) => (h[String(b)] = cum += counts[i] ?? 0));
  h['+Inf'] = cum + (counts[bounds.length] ?? 0);
  return h;
}
const LAT = [0.5, 1, 1.5, 2, 2.5, 3, 5];
const INST = [0, 1, 2, 3, 4, 5, 6];
const SCORE = [0, 0.2, 0.4, 0.6, 0.8, 0.9, 1];

/** n requests shaped like `shape` (shares per bin), e errors. */
function track(n: number, e: number, over: Partial<TrackEvidence> = {}): TrackEvidence {
  const ok = n - e;
  const spread = (shares: number[], m: number) => shares.map((s) => s * m);
  return {
    requests: n,
    errors: e,
    latency: hist(LAT, spread([0, 0.1, 0.4, 0.3, 0.15, 0.05, 0, 0], n)),
    instances: hist(INST, spread([0.02, 0.1, 0.2, 0.3, 0.2, 0.1, 0.08, 0], ok)),
    topScore: hist(SCORE, spread([0.02, 0, 0, 0.03, 0.25, 0.4, 0.3, 0], ok)),
    ...over,
  };
}
const ev = (canary: TrackEvidence, stable = track(2000, 4)): CanaryEvidence => ({
  stable,
  canary,
});

it('identical tracks: continue mid-analysis, promote at the end, every test explained', () => {
  const mid = canaryVerdict(ev(track(200, 0)), 60, T);
  expect(mid.decision).toBe('continue');
  const end = canaryVerdict(ev(track(200, 0)), 180, T);
  expect(end).toMatchObject({ decision: 'promote', inconclusive: false });
  const tests = end.figures.tests ?? [];
  expect(tests.map((t) => t.on)).toEqual(
    expect.arrayContaining(['errors', 'latency', 'instances per image', 'top score']),
  );
  for (const t of tests) {
    expect(t).toMatchObject({
      statistic: expect.any(Number),
      p: expect.any(Number),
      alpha: expect.any(Number),
      n: { canary: expect.any(Number), stable: expect.any(Number) },
      breach: false,
    });
  }
  expect(end.figures.canary).toMatchObject({ requests: 200, errors: 0 });
});

it('one early 5xx among the first requests is not significant (the old false abort)', () => {
  expect(canaryVerdict(ev(track(20, 1), track(180, 0)), 30, T).decision).toBe('continue');
});

it('errors: significant and beyond the tolerance aborts', () => {
  const v = canaryVerdict(ev(track(180, 10)), 180, T);
  expect(v).toMatchObject({ decision: 'abort', reason: 'ERROR_RATIO' });
  if (v.decision !== 'abort') throw new Error('not aborted');
  expect(v.detail).toMatch(/^errors: p=\S+ < \S+ \(canary n=180, stable n=2000/);
});

it('errors: significant but within the tolerance does not abort', () => {
  // 0.8 % against 0.2 %: real, but below CANARY_MAX_ERROR_DELTA=0.01.
  expect(canaryVerdict(ev(track(20_000, 160)), 180, T).decision).toBe('promote');
  expect(canaryVerdict(ev(track(20_000, 160)), 180, { ...T, maxErrorDelta: 0.001 }).decision).toBe(
    'abort',
  );
});

it('latency: a canary three times slower aborts on the rank test', () => {
  const slow = track(200, 0, { latency: hist(LAT, [0, 0, 0, 0, 10, 40, 100, 50]) });
  expect(canaryVerdict(ev(slow), 60, T)).toMatchObject({ decision: 'abort', reason: 'LATENCY' });
});

it('latency: a slower tail within CANARY_MAX_LATENCY_RATIO does not abort', () => {
  const bitSlower = track(2000, 0, { latency: hist(LAT, [0, 0, 300, 900, 500, 300, 0, 0]) });
  const v = canaryVerdict(ev(bitSlower), 180, T);
  expect(v.figures.tests?.find((t) => t.on === 'latency')?.p).toBeLessThan(1e-6);
  expect(v.decision).toBe('promote');
});

it('catastrophe: a canary that finds nothing aborts on its first 5 answers', () => {
  const empty = track(6, 0, {
    instances: hist(INST, [6]),
    topScore: hist(SCORE, [6]),
  });
  const v = canaryVerdict(ev(empty, track(60, 0)), 30, T);
  expect(v).toMatchObject({ decision: 'abort', reason: 'BEHAVIOUR_SHIFT' });
  if (v.decision !== 'abort') throw new Error('not aborted');
  expect(v.detail).toMatch(/^catastrophe: nothing found/);
  // Below the minimum sample: not yet.
  const four = track(4, 0, { instances: hist(INST, [4]), topScore: hist(SCORE, [4]) });
  expect(canaryVerdict(ev(four, track(60, 0)), 30, T).decision).toBe('continue');
});

it('catastrophe: a canary that errs on most requests aborts at once', () => {
  const v = canaryVerdict(ev(track(8, 6), track(80, 0)), 30, T);
  expect(v).toMatchObject({ decision: 'abort', reason: 'ERROR_RATIO' });
  if (v.decision !== 'abort') throw new Error('not aborted');
  expect(v.detail).toMatch(/^catastrophe: errors/);
});

it('behaviour: fewer instances per image, and a lower top score, abort', () => {
  const fewer = track(300, 0, {
    instances: hist(
      INST,
      [0.05, 0.3, 0.35, 0.2, 0.1, 0, 0, 0].map((s) => s * 300),
    ),
  });
  expect(canaryVerdict(ev(fewer), 120, T)).toMatchObject({
    decision: 'abort',
    reason: 'BEHAVIOUR_SHIFT',
  });
  const lower = track(300, 0, {
    topScore: hist(
      SCORE,
      [0.02, 0, 0.05, 0.3, 0.5, 0.1, 0.03, 0].map((s) => s * 300),
    ),
  });
  expect(canaryVerdict(ev(lower), 120, T)).toMatchObject({
    decision: 'abort',
    reason: 'SCORE_SHIFT',
  });
});

it('no data on a side is compared as nothing, never guessed', () => {
  const none: TrackEvidence = { requests: 0, errors: 0, latency: {}, instances: {}, topScore: {} };
  expect(canaryVerdict(ev(none), 30, T).decision).toBe('continue');
  expect(canaryVerdict(ev(track(50, 40), none), 30, T).decision).toBe('continue');
});

it('inconclusive below CANARY_MIN_REQUESTS: promote with a note, or abort when asked', () => {
  expect(canaryVerdict(ev(track(20, 0)), 180, T)).toMatchObject({
    decision: 'promote',
    inconclusive: true,
  });
  expect(canaryVerdict(ev(track(20, 0)), 180, { ...T, onInconclusive: 'abort' })).toMatchObject({
    decision: 'abort',
    reason: 'INCONCLUSIVE',
  });
});

it('the same evidence that aborts at the end passes an early look (alpha is spent over the looks)', () => {
  const some = track(180, 5);
  const early = canaryVerdict(ev(some), 30, T);
  const late = canaryVerdict(ev(some), 180, T);
  const alpha = (v: typeof early) => v.figures.tests?.find((t) => t.on === 'errors')?.alpha ?? 0;
  expect(alpha(early)).toBeLessThan(alpha(late));
});
