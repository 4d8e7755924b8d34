/** Keeps log lines short and printable whatever a hostile message contains. */
export function sanitizeForLog(value: unknown, max = 120): string {
  const s = typeof value === 'string' ? value : (JSON.stringify(value) ?? String(value));
  // eslint-disable-next-line no-control-regex
  const clean = s.replace(/[\u0000-\u001f\u007f-\uffff]/g, '?');
  return clean.length > max ? `${clean.slice(0, max)}…` : clean;
}
