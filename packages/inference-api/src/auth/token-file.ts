/**
 * The API_TOKENS_FILE format: one token per line; blank lines and lines starting
 * with `#` are ignored. A token is 16 to 4096 visible ASCII characters (no
 * spaces: RFC 6750's bearer token cannot hold one), e.g. `openssl rand -hex 32`.
 */
const TOKEN = /^[\x21-\x7e]{16,4096}$/;

const TOKEN_RULE = '16 to 4096 visible ASCII characters without spaces';

/** Thrown for a line that is not a token; says where, never what (it may be a secret). */
export class TokenFileError extends Error {}

/** The tokens of a token file's text, in order; throws TokenFileError for a bad line or none. */
export function parseTokenFile(text: string): string[] {
  const tokens: string[] = [];
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    if (!TOKEN.test(line)) throw new TokenFileError(`line ${i + 1} is not a token (${TOKEN_RULE})`);
    tokens.push(line);
  });
  if (tokens.length === 0) throw new TokenFileError('holds no token');
  return tokens;
}
