import { atOrBelow, total } from './histogram';
import type { TestResult } from './metric-tests';
import { Metric, TestName } from './metric-tests';
import { rateTest } from './rate-test';
import type { TrackEvidence } from './track-evidence';

/**
 * A canary that errs on most requests, or finds nothing where stable finds
 * something, is stopped at the first look that has `minRequests` of its answers:
 * the difference must be at least half of all answers and significant at this
 * fixed level (more than half: "most requests"). An identical build reaches both together with a probability far
 * below it (a 50-point gap on 5 answers), so this costs the false-abort budget
 * nothing worth counting.
 */
const CATASTROPHE_ALPHA = 0.001;
const CATASTROPHE_GAP = 0.5;

function gapTest(
  metric: Metric,
  on: string,
  canary: { events: number; n: number },
  stable: { events: number; n: number },
  minRequests: number,
): TestResult | undefined {
  if (canary.n < minRequests || stable.n <= 0) return undefined;
  const r = rateTest(canary, stable);
  const gap = r.canaryRate - r.stableRate;
  return {
    metric,
    test: TestName.RATE,
    on,
    n: { canary: Number(canary.n.toPrecision(4)), stable: Number(stable.n.toPrecision(4)) },
    statistic: Number(r.events.toPrecision(4)),
    p: Number(r.p.toPrecision(4)),
    alpha: CATASTROPHE_ALPHA,
    effect: Number(gap.toPrecision(4)),
    tolerance: CATASTROPHE_GAP,
    breach: r.p < CATASTROPHE_ALPHA && gap > CATASTROPHE_GAP,
  };
}

export function catastropheTests(
  c: TrackEvidence,
  s: TrackEvidence,
  minRequests: number,
): TestResult[] {
  const errors = gapTest(
    Metric.ERROR_RATIO,
    'catastrophe: errors',
    { events: c.errors, n: c.requests },
    { events: s.errors, n: s.requests },
    minRequests,
  );
  const nc = total(c.instances);
  const ns = total(s.instances);
  const empty = gapTest(
    Metric.BEHAVIOUR_SHIFT,
    'catastrophe: nothing found',
    { events: atOrBelow(c.instances, 0), n: nc },
    { events: atOrBelow(s.instances, 0), n: ns },
    minRequests,
  );
  return [errors, empty].filter((t): t is TestResult => t !== undefined);
}
