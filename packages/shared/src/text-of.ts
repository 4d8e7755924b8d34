/**
 * A parsed JSON value for a message: strings as they are, anything else as JSON,
 * never "[object Object]".
 */
export function textOf(value: unknown): string {
  if (typeof value === 'string') return value;
  if (typeof value === 'bigint') return value.toString();
  return JSON.stringify(value) ?? typeof value;
}
