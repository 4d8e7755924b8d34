import type { CanaryThresholds } from '../../src/canary/canary-config';
import type { Figures, TrackFigures } from '../../src/canary/verdict';
import { canaryVerdict, errorRatio } from '../../src/canary/verdict';

const T: CanaryThresholds = {
  analysisSeconds: 180,
  minRequests: 50,
  onInconclusive: 'promote',
  maxErrorDelta: 0.01,
  maxLatencyRatio: 1.5,
  maxBehaviourShift: 0.5,
  maxScoreShift: 0.2,
};
const healthy: TrackFigures = {
  requests: 100,
  errors: 0,
  p95Seconds: 0.2,
  meanInstances: 2,
  meanTopScore: 0.9,
};
const f = (canary: TrackFigures, stable: TrackFigures = healthy): Figures => ({
  stable,
  canary: { ...healthy, ...canary },
});

// The last column is the abort reason, '' when there is none.
type Row = [string, Figures, number, Partial<CanaryThresholds>, string, string];
const rows: Row[] = [
  ['identical tracks, mid-analysis', f({}), 60, {}, 'continue', ''],
  ['identical tracks, analysis over', f({}), 180, {}, 'promote', ''],
  [
    'error delta exactly at the threshold',
    f({ errors: 3 }, { ...healthy, errors: 2 }),
    180,
    {},
    'promote',
    '',
  ],
  [
    'error delta just above the threshold',
    f({ errors: 4 }, { ...healthy, errors: 2 }),
    30,
    {},
    'abort',
    'ERROR_RATIO',
  ],
  [
    'canary errors while stable has no traffic: not compared',
    f({ errors: 50 }, { ...healthy, requests: 0 }),
    30,
    {},
    'continue',
    '',
  ],
  ['p95 exactly 1.5 × stable', f({ p95Seconds: 0.3 }), 60, {}, 'continue', ''],
  ['p95 above 1.5 × stable', f({ p95Seconds: 0.31 }), 60, {}, 'abort', 'LATENCY'],
  [
    'zero-instance images (finds nothing)',
    f({ meanInstances: 0, meanTopScore: 0 }),
    30,
    {},
    'abort',
    'BEHAVIOUR_SHIFT',
  ],
  ['three times too much', f({ meanInstances: 6 }), 30, {}, 'abort', 'BEHAVIOUR_SHIFT'],
  [
    'zero stable mean, small canary mean: relative to 1',
    f(
      { meanInstances: 0.4, meanTopScore: 0.2 },
      { ...healthy, meanInstances: 0, meanTopScore: 0.1 },
    ),
    30,
    {},
    'continue',
    '',
  ],
  [
    'zero stable mean, canary mean above 0.5',
    f(
      { meanInstances: 0.6, meanTopScore: 0.1 },
      { ...healthy, meanInstances: 0, meanTopScore: 0.1 },
    ),
    30,
    {},
    'abort',
    'BEHAVIOUR_SHIFT',
  ],
  ['top score shift above 0.2', f({ meanTopScore: 0.6 }), 30, {}, 'abort', 'SCORE_SHIFT'],
  ['top score shift exactly 0.2', f({ meanTopScore: 0.7 }), 30, {}, 'continue', ''],
  [
    'NaN series (empty histograms) are skipped',
    f({ p95Seconds: NaN, meanInstances: NaN, meanTopScore: NaN }),
    30,
    {},
    'continue',
    '',
  ],
  ['missing series are skipped', f({}, { requests: 100 }), 30, {}, 'continue', ''],
  [
    'stable p95 zero: latency not compared',
    f({ p95Seconds: 5 }, { ...healthy, p95Seconds: 0 }),
    30,
    {},
    'continue',
    '',
  ],
  [
    'below min requests at the end: inconclusive, promoted',
    f({ requests: 49 }),
    180,
    {},
    'promote-inconclusive',
    '',
  ],
  [
    'below min requests at the end, CANARY_ON_INCONCLUSIVE=abort',
    f({ requests: 49 }),
    180,
    { onInconclusive: 'abort' },
    'abort',
    'INCONCLUSIVE',
  ],
  [
    'no traffic at all, abort when inconclusive',
    f({ requests: NaN }, {}),
    200,
    { onInconclusive: 'abort' },
    'abort',
    'INCONCLUSIVE',
  ],
  [
    'a breach wins over the end of the analysis',
    f({ meanTopScore: 0.1, requests: 50 }),
    180,
    {},
    'abort',
    'SCORE_SHIFT',
  ],
  ['few requests before the end: keep going', f({ requests: 3 }), 170, {}, 'continue', ''],

  // Below CANARY_MIN_REQUESTS on either track, only an overwhelming error ratio aborts.
  [
    'behaviour shift, canary 49 requests',
    f({ requests: 49, meanInstances: 6 }),
    30,
    {},
    'continue',
    '',
  ],
  [
    'behaviour shift, canary 50 requests',
    f({ requests: 50, meanInstances: 6 }),
    30,
    {},
    'abort',
    'BEHAVIOUR_SHIFT',
  ],
  [
    'behaviour shift, stable 49 requests',
    f({ meanInstances: 6 }, { ...healthy, requests: 49 }),
    30,
    {},
    'continue',
    '',
  ],
  [
    'score shift, canary 49 requests',
    f({ requests: 49, meanTopScore: 0.1 }),
    30,
    {},
    'continue',
    '',
  ],
  [
    'score shift, canary 50 requests',
    f({ requests: 50, meanTopScore: 0.1 }),
    30,
    {},
    'abort',
    'SCORE_SHIFT',
  ],
  ['latency, canary 49 requests', f({ requests: 49, p95Seconds: 5 }), 30, {}, 'continue', ''],
  ['latency, canary 50 requests', f({ requests: 50, p95Seconds: 5 }), 30, {}, 'abort', 'LATENCY'],
  ['error delta, canary 49 requests', f({ requests: 49, errors: 10 }), 30, {}, 'continue', ''],
  [
    'error delta, canary 50 requests',
    f({ requests: 50, errors: 10 }),
    30,
    {},
    'abort',
    'ERROR_RATIO',
  ],
  [
    'a fractional count rounds (increase() extrapolates)',
    f({ requests: 49.6, meanInstances: 6 }),
    30,
    {},
    'abort',
    'BEHAVIOUR_SHIFT',
  ],
  [
    'overwhelming: 4 of 6 failed, early',
    f({ requests: 6, errors: 4 }),
    10,
    {},
    'abort',
    'ERROR_RATIO',
  ],
  ['exactly half failed, early', f({ requests: 6, errors: 3 }), 10, {}, 'continue', ''],
  [
    '4 of 4 failed: too few even for the early rule',
    f({ requests: 4, errors: 4 }),
    10,
    {},
    'continue',
    '',
  ],
  [
    'overwhelming while stable has no traffic yet',
    f({ requests: 5, errors: 5 }, { ...healthy, requests: 0 }),
    10,
    {},
    'abort',
    'ERROR_RATIO',
  ],
  [
    'stable fails as much (an outage, not the canary)',
    f({ requests: 6, errors: 4 }, { ...healthy, requests: 10, errors: 7 }),
    10,
    {},
    'continue',
    '',
  ],
  [
    'overwhelming errors at the end win over inconclusive',
    f({ requests: 10, errors: 9 }),
    180,
    {},
    'abort',
    'ERROR_RATIO',
  ],
  [
    'CANARY_MIN_REQUESTS=0 compares from the first request',
    f({ requests: 1, meanInstances: 6 }),
    10,
    { minRequests: 0 },
    'abort',
    'BEHAVIOUR_SHIFT',
  ],
];

it.each(rows)('%s', (_name, figures, elapsed, over, expected, reason) => {
  const v = canaryVerdict(figures, elapsed, { ...T, ...over });
  const got = v.decision === 'promote' && v.inconclusive ? 'promote-inconclusive' : v.decision;
  expect(got).toBe(expected);
  if (reason !== '') expect(v).toMatchObject({ reason });
});

it('error ratio: 0 without errors, undefined without requests', () => {
  expect(errorRatio({ requests: 10 })).toBe(0);
  expect(errorRatio({ requests: 0, errors: 0 })).toBeUndefined();
  expect(errorRatio({ requests: 4, errors: 1 })).toBe(0.25);
});

it('the abort detail carries the numbers', () => {
  const v = canaryVerdict(f({ meanInstances: 0 }), 30, T);
  expect(v).toMatchObject({ decision: 'abort', detail: expect.stringContaining('vs stable 2') });
});

it('an early error abort says it came before the minimum sample', () => {
  const v = canaryVerdict(f({ requests: 6, errors: 4 }), 10, T);
  expect(v).toMatchObject({
    decision: 'abort',
    detail: expect.stringContaining('before CANARY_MIN_REQUESTS=50'),
  });
});
