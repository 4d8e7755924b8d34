import { googleError } from '../google-api';

/** Thrown by a route; the server answers Google's JSON error for it. */
export class GoogleApiError extends Error {
  constructor(
    readonly code: number,
    message: string,
    readonly status?: string,
  ) {
    super(message);
  }

  toBody(): { error: Record<string, unknown> } {
    return googleError(this.code, this.message, this.status);
  }
}

export function notFound(what: string): GoogleApiError {
  return new GoogleApiError(404, `Resource '${what}' was not found`, 'NOT_FOUND');
}

export function alreadyExists(what: string): GoogleApiError {
  return new GoogleApiError(409, `Resource '${what}' already exists`, 'ALREADY_EXISTS');
}

export function invalidArgument(message: string): GoogleApiError {
  return new GoogleApiError(400, message, 'INVALID_ARGUMENT');
}
