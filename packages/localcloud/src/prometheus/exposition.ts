import type { Labels } from './labels';
import { METRIC_NAME } from './labels';

export interface ExpositionSample {
  labels: Labels;
  value: number;
}

export class ExpositionError extends Error {}

const NAME = /[a-zA-Z_:][a-zA-Z0-9_:]*/y;
const LABEL_NAME = /[a-zA-Z_][a-zA-Z0-9_]*/y;
const FLOAT = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/** Go's ParseFloat spellings that the text format uses: decimals, NaN, ±Inf. */
export function parseFloatToken(token: string): number | undefined {
  if (/^[+]?inf(inity)?$/i.test(token)) return Infinity;
  if (/^-inf(inity)?$/i.test(token)) return -Infinity;
  if (/^nan$/i.test(token)) return NaN;
  return FLOAT.test(token) ? Number(token) : undefined;
}

class LineReader {
  pos = 0;
  constructor(
    readonly line: string,
    readonly lineNo: number,
  ) {}

  fail(what: string): never {
    throw new ExpositionError(`line ${this.lineNo}: ${what} at column ${this.pos + 1}`);
  }

  token(re: RegExp, what: string): string {
    re.lastIndex = this.pos;
    const m = re.exec(this.line);
    if (!m) this.fail(`expected ${what}`);
    this.pos += m[0].length;
    return m[0];
  }

  skipSpaces(): void {
    while (this.line[this.pos] === ' ' || this.line[this.pos] === '\t') this.pos += 1;
  }

  quoted(): string {
    if (this.line[this.pos] !== '"') this.fail('expected "');
    let out = '';
    for (let i = this.pos + 1; i < this.line.length; i += 1) {
      const c = this.line[i];
      if (c === '"') {
        this.pos = i + 1;
        return out;
      }
      if (c === '\\') {
        const next = this.line[i + 1];
        // The text format defines exactly three escapes in label values.
        if (next === 'n') out += '\n';
        else if (next === '\\' || next === '"') out += next;
        else this.fail(`invalid escape \\${next ?? ''}`);
        i += 1;
      } else {
        out += c;
      }
    }
    return this.fail('unterminated label value');
  }
}

function parseLabels(r: LineReader, labels: Record<string, string>): void {
  r.pos += 1; // '{'
  for (;;) {
    r.skipSpaces();
    if (r.line[r.pos] === '}') break;
    const name = r.token(LABEL_NAME, 'a label name');
    r.skipSpaces();
    if (r.line[r.pos] !== '=') r.fail('expected =');
    r.pos += 1;
    r.skipSpaces();
    if (Object.hasOwn(labels, name)) r.fail(`duplicate label ${name}`);
    labels[name] = r.quoted();
    r.skipSpaces();
    if (r.line[r.pos] === ',') r.pos += 1;
    else if (r.line[r.pos] !== '}') r.fail('expected , or }');
  }
  r.pos += 1;
}

/**
 * The Prometheus text exposition format (0.0.4): `# HELP`/`# TYPE`/comments are skipped
 * (histograms are plain `_bucket{le}`, `_sum`, `_count` series), label values unescaped,
 * values parsed as Go does. A timestamp after the value is accepted and ignored: the
 * scraper stamps samples with the scrape time. Throws `ExpositionError` naming the line.
 */
export function parseExposition(text: string): ExpositionSample[] {
  const out: ExpositionSample[] = [];
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i += 1) {
    const line = (lines[i] ?? '').replace(/\r$/, '');
    if (line.trim() === '' || line.trimStart().startsWith('#')) continue;
    // Annotated so that `r.fail` (never) narrows types.
    const r: LineReader = new LineReader(line, i + 1);
    r.skipSpaces();
    const labels: Record<string, string> = { [METRIC_NAME]: r.token(NAME, 'a metric name') };
    if (r.line[r.pos] === '{') parseLabels(r, labels);
    const rest = line
      .slice(r.pos)
      .trim()
      .split(/[ \t]+/);
    const value = parseFloatToken(rest[0] ?? '');
    if (value === undefined || rest.length > 2 || (rest[1] && !/^-?\d+$/.test(rest[1]))) {
      r.fail('expected a value and an optional integer timestamp');
    }
    out.push({ labels, value });
  }
  return out;
}
