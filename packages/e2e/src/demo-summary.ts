import { percentile, type LoadReport } from './load-client';

/** What the demo's run is judged on, and its last line. */
export interface DemoOutcome {
  load: LoadReport;
  /** Build ids that reached the stable Deployment, in order. */
  deployed: string[];
  /** The build id the stable Deployment runs at the end. */
  finalBuild: string | undefined;
  /** With the canary strategy: the verdicts, the pushes, and the canary pods' name prefix. */
  canary?: {
    promoted: number;
    aborted: number;
    pushes: number;
    podPrefix: string;
    outcomes: PushOutcome[];
  };
}

/** What one canary push had to end as, and what it ended as. */
export interface PushOutcome {
  push: number;
  expected: string;
  actual: string;
}

/** `push 1 expected promoted, got promoted; push 2 expected aborted, got …`. */
export const describePushes = (outcomes: PushOutcome[]): string =>
  outcomes.map((o) => `push ${o.push} expected ${o.expected}, got ${o.actual}`).join('; ');

/**
 * Ok = no failed request, the stable Deployment runs the last deployed build, and no
 * wrong answer — except, under the canary strategy, from canary pods (the bad build's,
 * while it was analysed): odd pushes promoted, even pushes aborted.
 */
export function summarizeDemo(o: DemoOutcome): { ok: boolean; line: string; failure?: string } {
  const { load, canary } = o;
  const wrongOk = canary
    ? Object.keys(load.wrongByPod).every((pod) => pod.startsWith(canary.podPrefix))
    : load.wrong === 0;
  const verdictsOk =
    !canary ||
    (canary.promoted === Math.ceil(canary.pushes / 2) &&
      canary.aborted === Math.floor(canary.pushes / 2));
  const ok =
    load.failed === 0 &&
    wrongOk &&
    verdictsOk &&
    o.finalBuild === o.deployed[o.deployed.length - 1];
  const wrong = canary
    ? `wrong ${load.wrong} (all from canary pods: ${wrongOk}); canary: promoted=${canary.promoted} aborted=${canary.aborted}`
    : `wrong ${load.wrong}`;
  const ms = (p: number): string => `${percentile(load.latenciesMs, p).toFixed(0)} ms`;
  // Not ok: the last line says which expectation failed, push by push.
  const failure =
    ok || !canary
      ? undefined
      : `[summary] FAILED: ${describePushes(canary.outcomes)}; failed requests ${load.failed}; ` +
        `wrong answers only from canary pods: ${wrongOk}; stable runs the last promoted build: ` +
        `${o.finalBuild === o.deployed[o.deployed.length - 1]}`;
  return {
    ok,
    ...(failure ? { failure } : {}),
    line:
      `[summary] builds deployed: ${o.deployed.join(' → ')}; requests sent ${load.sent}, failed ${load.failed}, ${wrong}; ` +
      `latency p50 ${ms(50)}, p95 ${ms(95)}, p99 ${ms(99)}`,
  };
}
