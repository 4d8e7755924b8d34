import { parseFloatToken } from './exposition';
import type { Matcher } from './labels';
import { MATCH_OP, matches, METRIC_NAME } from './labels';
import { lex, TOKEN } from './promql-lexer';
import type { Token } from './promql-lexer';
import { QueryError } from './query-error';

export const FUNCTION = {
  rate: 'rate',
  increase: 'increase',
  histogramQuantile: 'histogram_quantile',
} as const;
export type FunctionName = (typeof FUNCTION)[keyof typeof FUNCTION];

export type Expr =
  | { kind: 'number'; value: number }
  | { kind: 'selector'; matchers: Matcher[]; rangeMs?: number }
  | { kind: 'call'; func: FunctionName; args: Expr[] }
  | { kind: 'sum'; by: string[]; expr: Expr }
  | { kind: 'div'; lhs: Expr; rhs: Expr };

export type ValueType = 'scalar' | 'vector' | 'matrix';

const MAX_DEPTH = 64;
const MAX_QUERY_LENGTH = 16_384;

/**
 * Parses the PromQL subset the stand-in answers, and nothing more:
 *
 * - number literals (`0.95`, `1e3`, `Inf`, `NaN`);
 * - instant vector selectors `name{l="v", l!="v", l=~"re"}` (or `{__name__="name", …}`),
 *   strings in `"…"`, `'…'` or backticks; regexes fully anchored, JavaScript syntax;
 * - range selectors `sel[N]` with one unit of `ms`, `s`, `m`, `h`, only as the argument of
 *   `rate(…)` and `increase(…)`;
 * - `histogram_quantile(scalar, vector)`;
 * - `sum(v)`, `sum by (l1, l2) (v)` and `sum (v) by (l1, l2)`;
 * - `a / b` between scalars and/or instant vectors (vector/vector matches one-to-one on
 *   identical label sets without `__name__`);
 * - parentheses.
 *
 * Anything else (other functions and operators, `!~`, `without`, `offset`, `@`,
 * subqueries, a range vector as the result) throws `QueryError` (HTTP 400 `bad_data`).
 * The README's "Prometheus" section lists the same subset.
 */
export function parsePromql(query: string): Expr {
  if (query.length > MAX_QUERY_LENGTH) throw new QueryError('query too long');
  const p = new Parser(lex(query));
  const expr = p.expr(0);
  p.expectEof();
  if (typeOf(expr) === 'matrix') {
    throw new QueryError('a range vector is only supported as the argument of rate/increase');
  }
  return expr;
}

export function typeOf(e: Expr): ValueType {
  if (e.kind === 'number') return 'scalar';
  if (e.kind === 'selector') return e.rangeMs === undefined ? 'vector' : 'matrix';
  if (e.kind === 'div') {
    return typeOf(e.lhs) === 'scalar' && typeOf(e.rhs) === 'scalar' ? 'scalar' : 'vector';
  }
  return 'vector';
}

class Parser {
  private i = 0;
  constructor(private readonly tokens: Token[]) {}

  private peek(): Token {
    return this.tokens[this.i] ?? (this.tokens.at(-1) as Token);
  }

  private next(): Token {
    const t = this.peek();
    this.i += 1;
    return t;
  }

  private isPunct(text: string): boolean {
    const t = this.peek();
    return t.kind === TOKEN.punct && t.text === text;
  }

  private expect(text: string): void {
    const t = this.next();
    if (t.kind !== TOKEN.punct || t.text !== text) {
      throw new QueryError(`expected ${JSON.stringify(text)} at ${t.pos}, got ${describe(t)}`);
    }
  }

  expectEof(): void {
    const t = this.peek();
    if (t.kind !== TOKEN.eof) throw new QueryError(`unexpected ${describe(t)} at ${t.pos}`);
  }

  expr(depth: number): Expr {
    if (depth > MAX_DEPTH) throw new QueryError('query nested too deeply');
    let lhs = this.term(depth);
    while (this.isPunct('/')) {
      this.next();
      const rhs = this.term(depth);
      for (const side of [lhs, rhs]) {
        if (typeOf(side) === 'matrix')
          throw new QueryError('binary "/" needs instant vectors or scalars');
      }
      lhs = { kind: 'div', lhs, rhs };
    }
    return lhs;
  }

  private term(depth: number): Expr {
    const t = this.peek();
    if (t.kind === TOKEN.number) {
      this.next();
      return { kind: 'number', value: parseFloatToken(t.text) ?? Number(t.text) };
    }
    if (this.isPunct('(')) {
      this.next();
      const inner = this.expr(depth + 1);
      this.expect(')');
      return inner;
    }
    if (this.isPunct('{')) return this.selector(undefined);
    if (t.kind !== TOKEN.ident) throw new QueryError(`unexpected ${describe(t)} at ${t.pos}`);
    const after = this.tokens[this.i + 1];
    const callLike = after?.kind === TOKEN.punct && after.text === '(';
    if (t.text === 'sum') return this.sum(depth);
    if (callLike) return this.call(depth);
    if (['by', 'without', 'offset', 'bool', 'on', 'ignoring'].includes(t.text)) {
      throw new QueryError(`unexpected keyword ${t.text} at ${t.pos}`);
    }
    this.next();
    return this.selector(t.text);
  }

  private labelList(): string[] {
    this.expect('(');
    const names: string[] = [];
    while (!this.isPunct(')')) {
      const t = this.next();
      if (t.kind !== TOKEN.ident || !/^[a-zA-Z_][a-zA-Z0-9_]*$/.test(t.text)) {
        throw new QueryError(`expected a label name at ${t.pos}, got ${describe(t)}`);
      }
      names.push(t.text);
      if (!this.isPunct(')')) this.expect(',');
    }
    this.next();
    return names;
  }

  private sum(depth: number): Expr {
    this.next();
    let by: string[] | undefined;
    const keyword = (): boolean => {
      const t = this.peek();
      if (t.kind === TOKEN.ident && t.text === 'without') {
        throw new QueryError('"without" is not supported by the stand-in; use "by"');
      }
      return t.kind === TOKEN.ident && t.text === 'by';
    };
    if (keyword()) {
      this.next();
      by = this.labelList();
    }
    this.expect('(');
    const expr = this.expr(depth + 1);
    this.expect(')');
    if (by === undefined && keyword()) {
      this.next();
      by = this.labelList();
    }
    if (typeOf(expr) !== 'vector') throw new QueryError('sum needs an instant vector');
    return { kind: 'sum', by: by ?? [], expr };
  }

  private call(depth: number): Expr {
    const name = this.next();
    const func = Object.values(FUNCTION).find((f) => f === name.text);
    if (!func) throw new QueryError(`function ${JSON.stringify(name.text)} is not supported`);
    this.expect('(');
    const args: Expr[] = [];
    while (!this.isPunct(')')) {
      args.push(this.expr(depth + 1));
      if (!this.isPunct(')')) this.expect(',');
    }
    this.next();
    const types = args.map(typeOf).join(',');
    const want = func === FUNCTION.histogramQuantile ? 'scalar,vector' : 'matrix';
    if (types !== want) {
      throw new QueryError(`${func} expects (${want}), got (${types})`);
    }
    return { kind: 'call', func, args };
  }

  private selector(name: string | undefined): Expr {
    const matchers: Matcher[] = [];
    if (name !== undefined) matchers.push({ name: METRIC_NAME, op: MATCH_OP.eq, value: name });
    if (this.isPunct('{')) {
      this.next();
      while (!this.isPunct('}')) {
        matchers.push(this.matcher());
        if (!this.isPunct('}')) this.expect(',');
      }
      this.next();
    }
    // Prometheus refuses selectors that would match every series.
    if (matchers.every((m) => matches({}, [m]))) {
      throw new QueryError('vector selector must contain at least one non-empty matcher');
    }
    const t = this.peek();
    if (t.kind === TOKEN.duration) {
      this.next();
      const rangeMs = Number(t.value);
      if (rangeMs <= 0) throw new QueryError('range must be positive');
      return { kind: 'selector', matchers, rangeMs };
    }
    return { kind: 'selector', matchers };
  }

  private matcher(): Matcher {
    const label = this.next();
    if (label.kind !== TOKEN.ident) throw new QueryError(`expected a label name at ${label.pos}`);
    const op = this.next();
    const ops: string[] = Object.values(MATCH_OP);
    if (op.kind !== TOKEN.punct || !ops.includes(op.text)) {
      throw new QueryError(`matcher ${describe(op)} is not supported (use =, != or =~)`);
    }
    const value = this.next();
    if (value.kind !== TOKEN.string) throw new QueryError(`expected a string at ${value.pos}`);
    const m: Matcher = { name: label.text, op: op.text as Matcher['op'], value: value.value };
    if (m.op === MATCH_OP.re) {
      try {
        m.regex = new RegExp(`^(?:${m.value})$`, 's');
      } catch (err) {
        throw new QueryError(
          `invalid regular expression ${JSON.stringify(m.value)}: ${(err as Error).message}`,
        );
      }
    }
    return m;
  }
}

function describe(t: Token): string {
  return t.kind === TOKEN.eof ? 'end of input' : JSON.stringify(t.text);
}
