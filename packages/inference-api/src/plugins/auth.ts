import type { FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { Gauge } from 'prom-client';
import { TokenReloader } from '../auth/token-reloader';
import type { TokenSet } from '../auth/token-set';
import { AuthFailure } from '../auth/auth-failure';
import { unauthorized } from '../errors';

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Anyone may call this route, even with API_TOKENS_FILE set (probes, the upload page, /docs). */
    public?: boolean;
  }
}

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
 * The log line says why (missing, malformed, invalid), never the token. With
 * API_TOKENS_FILE the tokens follow the file without a restart (TokenReloader).
 */
export const authPlugin = fp(
  async (app) => {
    const { apiTokens, apiTokensFile, apiTokensPollMs } = app.config;
    if (apiTokens === undefined) return;
    const count = new Gauge({
      name: 'maskops_api_tokens',
      help: 'Bearer tokens accepted now (API_TOKENS_FILE).',
      registers: [app.metrics.registry],
    });
    const reloaded = new Gauge({
      name: 'maskops_api_tokens_last_reload_timestamp_seconds',
      help: 'When the accepted tokens were last (re)loaded from API_TOKENS_FILE, Unix seconds.',
      registers: [app.metrics.registry],
    });
    const onLoaded = (tokens: number, at: Date): void => {
      count.set(tokens);
      reloaded.set(at.getTime() / 1000);
    };
    let current = (): TokenSet => apiTokens;
    if (apiTokensFile !== undefined) {
      const reloader = new TokenReloader(apiTokensFile, apiTokens, app.log, { onLoaded });
      await reloader.start(apiTokensPollMs);
      current = () => reloader.current;
      app.addHook('onClose', () => reloader.stop());
    } else {
      onLoaded(apiTokens.size, new Date());
    }
    app.addHook('onRequest', async (request, reply) => {
      if (request.routeOptions.config.public === true) return;
      const failure = authFailure(request, current());
      if (failure === undefined) return;
      request.authFailure = failure;
      reply.header('connection', 'close');
      throw unauthorized(MESSAGES[failure]);
    });
  },
  { name: 'auth', fastify: '5.x', dependencies: ['serving', 'request-logging'] },
);
