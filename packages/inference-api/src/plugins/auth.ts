import type { FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { TokenSet } from '../auth/token-set';
import { unauthorized } from '../errors';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Anyone may call this route, even with API_TOKENS_FILE set (probes, the upload page, /docs). */
    public?: boolean;
  }
}

/** Why a caller was refused: the `auth` field of its log line. */
export const AuthFailure = {
  MISSING: 'missing',
  MALFORMED: 'malformed',
  INVALID: 'invalid',
} as const;
export type AuthFailure = (typeof AuthFailure)[keyof typeof AuthFailure];

// RFC 7235: the scheme is case-insensitive; RFC 6750: the token has no spaces.
const BEARER = /^bearer +(\S+) *$/i;

const MESSAGES: Readonly<Record<AuthFailure, string>> = {
  missing: 'this server requires an API token: send Authorization: Bearer <token>',
  malformed: 'the Authorization header must be "Bearer <token>"',
  invalid: 'the bearer token is not accepted',
};

/** Why `request` may not pass, or undefined when its bearer token is one of `tokens`. */
function authFailure(request: FastifyRequest, tokens: TokenSet): AuthFailure | undefined {
  const header = request.headers.authorization;
  if (header === undefined || header === '') return AuthFailure.MISSING;
  const token = BEARER.exec(header)?.[1];
  if (token === undefined) return AuthFailure.MALFORMED;
  return tokens.has(token) ? undefined : AuthFailure.INVALID;
}

/**
 * With API_TOKENS_FILE set, every route not marked `config: { public: true }`
 * (unknown paths included: they answer 401, not 404) needs a known bearer token.
 * The check is an app-level onRequest hook registered after the serving plugin,
 * so it runs before any route's own onRequest (the /predict admission) and before
 * the body is read: a refused caller holds no queue slot and no upload bytes, and
 * its connection is closed rather than kept for an upload it may still be sending.
 * The log line says why (missing, malformed, invalid), never the token.
 */
export const authPlugin = fp(
  (app, _options, done) => {
    const tokens = app.config.apiTokens;
    if (tokens === undefined) {
      done();
      return;
    }
    app.addHook('onRequest', async (request, reply) => {
      if (request.routeOptions.config.public === true) return;
      const failure = authFailure(request, tokens);
      if (failure === undefined) return;
      request.logFields = { ...request.logFields, auth: failure };
      reply.header('connection', 'close');
      throw unauthorized(MESSAGES[failure]);
    });
    done();
  },
  { name: 'auth', fastify: '5.x', dependencies: ['serving', 'request-logging'] },
);
