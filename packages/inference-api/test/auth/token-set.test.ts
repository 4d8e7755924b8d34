// The default import is node:crypto's module object itself, the one the source calls into.
import crypto from 'node:crypto';
import { TokenSet } from '../../src/auth/token-set';

const A = 'alpha-token-0123456789';
const B = 'bravo-token-abcdefghijkl';
const C = 'charlie-token-ZYXWVUTSRQPONM';

afterEach(() => jest.restoreAllMocks());

describe('TokenSet', () => {
  it('accepts exactly the configured tokens', () => {
    const set = new TokenSet([A, B, C]);
    expect([A, B, C].map((t) => set.has(t))).toEqual([true, true, true]);
    expect(set.has(`${A} `)).toBe(false);
    expect(set.has(A.slice(0, -1))).toBe(false);
    expect(set.has(A.toUpperCase())).toBe(false);
    expect(set.has('')).toBe(false);
  });

  it('compares candidates of any length without throwing (both sides are hashed)', () => {
    const set = new TokenSet([A]);
    for (const candidate of ['x', A.slice(0, 16), `${A}${A}`, 'é'.repeat(5000)]) {
      expect(set.has(candidate)).toBe(false);
    }
  });

  it('compares every token with timingSafeEqual on 32-byte digests, with no early exit', () => {
    const set = new TokenSet([A, B, C]);
    const spy = jest.spyOn(crypto, 'timingSafeEqual');
    for (const candidate of [A, C, 'short', `${'z'.repeat(300)}`]) {
      spy.mockClear();
      set.has(candidate);
      // First, last or no match: always one comparison per configured token.
      expect(spy).toHaveBeenCalledTimes(3);
      for (const [a, b] of spy.mock.calls as [Buffer, Buffer][]) {
        expect([a.length, b.length]).toEqual([32, 32]);
      }
    }
  });

  it('never shows a token when serialised', () => {
    const set = new TokenSet([A, B]);
    expect(JSON.stringify({ apiTokens: set })).toBe('{"apiTokens":{"tokens":2}}');
    expect(Object.keys(set)).toEqual([]);
  });
});
