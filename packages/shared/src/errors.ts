/**
 * Base error for everything maskops raises on purpose. `code` is stable and
 * machine-readable (clients and log queries match on it); `message` is for people.
 * `cause` keeps the underlying error for logs without leaking it to clients.
 */
export class MaskopsError extends Error {
  readonly code: string;
  /** Extra, non-secret context that is safe to log. */
  readonly details: Readonly<Record<string, unknown>> | undefined;

  constructor(
    code: string,
    message: string,
    options: { cause?: unknown; details?: Record<string, unknown> } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.details = options.details ? Object.freeze({ ...options.details }) : undefined;
  }
}

export function isMaskopsError(value: unknown): value is MaskopsError {
  return value instanceof MaskopsError;
}

/** Short description of any thrown value, for logs. */
export function describeError(err: unknown): string {
  if (err instanceof Error) return `${err.name}: ${err.message}`;
  return String(err);
}
