import { QueueState } from './controlled-delay';

/**
 * QUEUE_INTERVAL_MS=auto. Nothing admitted is dropped later, so all that arrives before
 * a new overload has stood for an interval is served at the long wait: the interval
 * must be short. But a burst of concurrent clients does not arrive in one instant
 * (16 on loopback: 10-65 ms, up to one service time of the demo model), and must be
 * admitted whole. What tells them apart is the pace: a burst fills the queue many times
 * faster than the workers empty it, an overload a few times. So a queue may go without
 * emptying for a sixth of the expected wait it holds (one that holds more has filled
 * more than 6 times faster than it is served: a burst), for at least half a service
 * time (at 3x the queue grows by two requests per service time, so what arrives in it
 * waits about one service time more, the wait the target allows), and for at most the
 * longest a burst may take to arrive: one service time, and at least Fail at Scale's
 * 100 ms. A standing queue must stay empty for that longest interval to drain again:
 * a queue held to the target empties between two arrivals, and must not flap.
 */
const BURST_PACE = 6;
const MIN_AUTO_INTERVAL_MS = 100;

/**
 * How long the queue must stand to leave `from`, ms: between half a service time and
 * the longest interval while draining, the longest while standing (and before the first
 * execution has been timed). Times are per worker.
 */
export function autoIntervalMs(
  from: QueueState,
  perWorkerServiceMs: number | undefined,
  expectedWaitMs: number | undefined,
): number {
  const longest = Math.max(MIN_AUTO_INTERVAL_MS, perWorkerServiceMs ?? 0);
  if (from === QueueState.STANDING || perWorkerServiceMs === undefined) return longest;
  const burst = (expectedWaitMs ?? 0) / BURST_PACE;
  return Math.min(longest, Math.max(perWorkerServiceMs / 2, burst));
}
