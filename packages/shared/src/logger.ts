/**
 * Cloud Logging picks `severity` and `message` out of JSON lines on stdout, and
 * keeps every other field as `jsonPayload`. One line per decision, no secrets.
 */
export const Severity = {
  DEBUG: 'DEBUG',
  INFO: 'INFO',
  NOTICE: 'NOTICE',
  WARNING: 'WARNING',
  ERROR: 'ERROR',
  CRITICAL: 'CRITICAL',
} as const;
export type Severity = (typeof Severity)[keyof typeof Severity];

const rank: Record<Severity, number> = {
  DEBUG: 100,
  INFO: 200,
  NOTICE: 300,
  WARNING: 400,
  ERROR: 500,
  CRITICAL: 600,
};

export type LogFields = Record<string, unknown>;

export interface Logger {
  log(severity: Severity, message: string, fields?: LogFields): void;
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  notice(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
  child(fields: LogFields): Logger;
}

export interface LoggerOptions {
  /** Where lines go; defaults to process.stdout. */
  write?: (line: string) => void;
  minSeverity?: Severity;
  /** Fields on every line (service name, instance …). */
  base?: LogFields;
}

// Keys whose values must never reach a log line, whatever the caller passes.
const SECRET_KEY = /token|secret|password|authorization|private.?key|certificate|cadata|ca_?cert/i;

export function redact(value: unknown, depth = 0): unknown {
  if (depth > 6 || value === null || typeof value !== 'object') return value;
  if (value instanceof Error) return { name: value.name, message: value.message };
  if (Array.isArray(value)) return value.map((v) => redact(v, depth + 1));
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
    out[k] = SECRET_KEY.test(k) ? '[redacted]' : redact(v, depth + 1);
  }
  return out;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const write = options.write ?? ((line: string) => process.stdout.write(line + '\n'));
  const min = rank[options.minSeverity ?? Severity.DEBUG];
  const base = options.base ?? {};

  const make = (bound: LogFields): Logger => {
    const log = (severity: Severity, message: string, fields: LogFields = {}): void => {
      if (rank[severity] < min) return;
      const entry = redact({ ...bound, ...fields }) as LogFields;
      write(
        JSON.stringify(
          { severity, message, time: new Date().toISOString(), ...entry },
          (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v),
        ),
      );
    };
    return {
      log,
      debug: (m, f) => log(Severity.DEBUG, m, f),
      info: (m, f) => log(Severity.INFO, m, f),
      notice: (m, f) => log(Severity.NOTICE, m, f),
      warn: (m, f) => log(Severity.WARNING, m, f),
      error: (m, f) => log(Severity.ERROR, m, f),
      child: (fields) => make({ ...bound, ...fields }),
    };
  };
  return make(base);
}

/** A logger that keeps lines in memory, for tests and dry runs. */
export function createMemoryLogger(): Logger & { lines: LogFields[] } {
  const lines: LogFields[] = [];
  const logger = createLogger({ write: (line) => lines.push(JSON.parse(line) as LogFields) });
  return Object.assign(logger, { lines });
}
