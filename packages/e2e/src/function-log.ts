/**
 * The function's JSON log lines, shortened to what a person follows during the
 * demo: severity, message, the outcome, and the decision fields the message does
 * not already repeat.
 */
export function summarizeFunctionLog(line: string, verbose: boolean): string | undefined {
  try {
    const e = JSON.parse(line) as Record<string, unknown>;
    const message = String(e.message ?? '');
    const keys = ['outcome', 'reason', 'buildId', 'image']
      .filter((k) => e[k] !== undefined && (k === 'outcome' || !message.includes(String(e[k]))))
      .map((k) => `${k}=${String(e[k])}`);
    return `${String(e.severity ?? '')} ${message} ${keys.join(' ')}`.trimEnd();
  } catch {
    return verbose ? line : undefined;
  }
}
