import { readFileSync } from 'node:fs';
import { ConfigError, integer, optionalString, readEach, type Env } from '@maskops/shared';
import { parseTokenFile, TokenFileError } from '../auth/token-file';
import { TokenSet } from '../auth/token-set';

/** Who may call the API. */
export interface AuthConfig {
  /** Bearer tokens every route but the probes, the upload page and /docs requires; unset: none. */
  apiTokens: TokenSet | undefined;
  /** API_TOKENS_FILE, re-read when it changes (auth/token-reloader.ts); unset: tokens fixed or none. */
  apiTokensFile: string | undefined;
  /** How often the token file's identity is checked (API_TOKENS_POLL_MS). */
  apiTokensPollMs: number;
}

/** API_TOKENS_FILE: the tokens of a readable file holding at least one, well-formed. */
function apiTokens(env: Env, name: string): TokenSet | undefined {
  // Set but blank is a mistake (an empty Secret key, a templating slip), not a way to
  // turn authentication off: that is leaving the variable unset.
  if (env[name] !== undefined && env[name].trim() === '') {
    throw new ConfigError(name, 'is set but blank; unset it to turn authentication off');
  }
  const path = optionalString(env, name);
  if (path === undefined) return undefined;
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new ConfigError(name, `cannot read ${path}: ${(err as NodeJS.ErrnoException).code}`);
  }
  try {
    return new TokenSet(parseTokenFile(text));
  } catch (err) {
    if (err instanceof TokenFileError) throw new ConfigError(name, `${path} ${err.message}`);
    throw err;
  }
}

/** API_TOKENS_FILE, API_TOKENS_POLL_MS. */
export function readAuthConfig(env: Env): AuthConfig {
  return readEach({
    apiTokens: () => apiTokens(env, 'API_TOKENS_FILE'),
    apiTokensFile: () => optionalString(env, 'API_TOKENS_FILE'),
    apiTokensPollMs: () => integer(env, 'API_TOKENS_POLL_MS', 5_000, { min: 100, max: 300_000 }),
  });
}
