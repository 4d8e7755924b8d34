import { textOf } from '@maskops/shared';

/**
 * The function's JSON log lines, shortened to what a person follows during the
 * demo: severity, message, the outcome, and the decision fields the message does
 * not already repeat.
 */
export function summarizeFunctionLog(line: string, verbose: boolean): string | undefined {
  try {
    const e = JSON.parse(line) as Record<string, unknown>;
    const message = textOf(e.message ?? '');
    const keys = ['outcome', 'reason', 'buildId', 'image']
      .filter((k) => e[k] !== undefined && (k === 'outcome' || !message.includes(textOf(e[k]))))
      .map((k) => `${k}=${textOf(e[k])}`);
    return `${textOf(e.severity ?? '')} ${message} ${keys.join(' ')}`.trimEnd();
  } catch {
    return verbose ? line : undefined;
  }
}
