import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readConfig } from '../../src/config';
import { refusal, refusesEach } from '../helpers/config-refusal';

describe('API_TOKENS_FILE (config/auth.ts)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'maskops-tokens-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const file = (name: string, text: string): string => {
    const path = join(dir, name);
    writeFileSync(path, text);
    return path;
  };
  const A = 'a'.repeat(16);
  const B = 'Zm9vYmFyYmF6cXV4-._~+/=';

  refusesEach([
    ['API_TOKENS_FILE', '/no/such/tokens.txt'],
    ['API_TOKENS_FILE', ''],
    ['API_TOKENS_FILE', '  '],
    ['API_TOKENS_POLL_MS', '10'],
  ]);

  it('reads one token per line, skipping comments, blank lines and CRLF endings', () => {
    const path = file('ok.txt', `# tokens for maskops\n\n${A}\r\n  # old: rotated out\n  ${B}  \n`);
    const tokens = readConfig({ API_TOKENS_FILE: path }).apiTokens;
    expect(tokens?.size).toBe(2);
    expect([A, B, 'a'.repeat(17)].map((t) => tokens?.has(t))).toEqual([true, true, false]);
  });

  it.each([
    ['empty.txt', '', /holds no token/],
    ['comments.txt', '# only a comment\n\n', /holds no token/],
    ['short.txt', `${A}\nshort-token\n`, /line 2 is not a token \(16 to 4096 visible ASCII/],
    ['space.txt', `two words in a token here\n`, /line 1 is not a token/],
    ['unicode.txt', `${A}\n\n${'é'.repeat(20)}\n`, /line 3 is not a token/],
  ])('refuses %s naming API_TOKENS_FILE and the line, never its text', (name, text, message) => {
    const err = refusal({ API_TOKENS_FILE: file(name, text) });
    expect(err.variable).toBe('API_TOKENS_FILE');
    expect(err.message).toMatch(message);
    expect(err.message).not.toContain('short-token');
  });

  it('refuses an unreadable path', () => {
    expect(() => readConfig({ API_TOKENS_FILE: dir })).toThrow(
      /API_TOKENS_FILE: cannot read .*EISDIR/,
    );
    expect(() => readConfig({ API_TOKENS_FILE: join(dir, 'absent') })).toThrow(
      /API_TOKENS_FILE: cannot read .*ENOENT/,
    );
  });
});
