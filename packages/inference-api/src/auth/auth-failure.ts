/** Why a caller was refused (plugins/auth.ts): the `auth` field of its log line. */
export const AuthFailure = {
  MISSING: 'missing',
  MALFORMED: 'malformed',
  INVALID: 'invalid',
} as const;
export type AuthFailure = (typeof AuthFailure)[keyof typeof AuthFailure];

declare module 'fastify' {
  interface FastifyRequest {
    /**
     * Set by the auth plugin when it refuses the request; null otherwise. Only the
     * request's log line reads it (plugins/request-logging.ts).
     */
    authFailure: AuthFailure | null;
  }
}
