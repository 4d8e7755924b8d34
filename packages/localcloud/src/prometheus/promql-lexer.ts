import { QueryError } from './query-error';

export const TOKEN = {
  ident: 'ident',
  number: 'number',
  string: 'string',
  duration: 'duration',
  punct: 'punct',
  eof: 'eof',
} as const;
export type TokenKind = (typeof TOKEN)[keyof typeof TOKEN];

export interface Token {
  kind: TokenKind;
  text: string;
  /** Unescaped value of a string, milliseconds of a duration, the text otherwise. */
  value: string;
  pos: number;
}

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };
const PUNCT = ['!=', '=~', '!~', '(', ')', '{', '}', ',', '=', '/'];

function unescape(body: string, quote: string, pos: number): string {
  if (quote === '`') return body;
  return body.replace(/\\(.)/g, (_m, c: string) => {
    const map: Record<string, string> = {
      n: '\n',
      t: '\t',
      r: '\r',
      '\\': '\\',
      '"': '"',
      "'": "'",
    };
    const v = map[c];
    if (v === undefined) throw new QueryError(`unknown escape sequence \\${c} in string at ${pos}`);
    return v;
  });
}

/** Tokens of the PromQL subset (see promql-parser.ts). */
export function lex(input: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < input.length) {
    const rest = input.slice(i);
    const space = /^\s+/.exec(rest);
    if (space) {
      i += space[0].length;
      continue;
    }
    if (rest[0] === '#') throw new QueryError('comments are not supported');
    if (rest[0] === '[') {
      const m = /^\[\s*(\d+)(ms|s|m|h)\s*\]/.exec(rest);
      if (!m) throw new QueryError(`bad range at ${i}: ranges are [Nms], [Ns], [Nm] or [Nh]`);
      const ms = Number(m[1]) * (UNIT_MS[m[2] ?? 's'] ?? 1000);
      out.push({ kind: TOKEN.duration, text: m[0], value: String(ms), pos: i });
      i += m[0].length;
      continue;
    }
    const str = /^("(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'|`[^`]*`)/.exec(rest);
    if (str) {
      const text = str[0];
      const value = unescape(text.slice(1, -1), text[0] ?? '"', i);
      out.push({ kind: TOKEN.string, text, value, pos: i });
      i += text.length;
      continue;
    }
    const num =
      /^(?:\d+\.?\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?|0x[0-9a-fA-F]+|Inf|NaN)(?![\w:])/i.exec(
        rest,
      );
    if (num) {
      out.push({ kind: TOKEN.number, text: num[0], value: num[0], pos: i });
      i += num[0].length;
      continue;
    }
    const ident = /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(rest);
    if (ident) {
      out.push({ kind: TOKEN.ident, text: ident[0], value: ident[0], pos: i });
      i += ident[0].length;
      continue;
    }
    const p = PUNCT.find((s) => rest.startsWith(s));
    if (!p) throw new QueryError(`unexpected character ${JSON.stringify(rest[0])} at ${i}`);
    out.push({ kind: TOKEN.punct, text: p, value: p, pos: i });
    i += p.length;
  }
  out.push({ kind: TOKEN.eof, text: '', value: '', pos: input.length });
  return out;
}
