import { summarizeFunctionLog } from '../src/function-log';

describe('summarizeFunctionLog', () => {
  it('keeps severity, message and outcome, and drops fields the message already says', () => {
    const line = JSON.stringify({
      severity: 'INFO',
      message: 'stale: build b1 finished before b2',
      outcome: 'stale',
      reason: 'build b1 finished before b2',
      buildId: 'b1',
      image: 'repo@sha256:1',
      durations: { totalMs: 3 },
    });
    expect(summarizeFunctionLog(line, false)).toBe(
      'INFO stale: build b1 finished before b2 outcome=stale image=repo@sha256:1',
    );
  });
  it('passes plain text through only when verbose', () => {
    expect(summarizeFunctionLog('Serving function...', false)).toBeUndefined();
    expect(summarizeFunctionLog('Serving function...', true)).toBe('Serving function...');
  });
});
