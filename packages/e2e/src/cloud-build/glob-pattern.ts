/**
 * A bash pattern (as `${VAR#pattern}` and friends take it) as an anchored regular
 * expression: `*` any run, `?` any one character, `[…]` a class (`!` or `^` negates),
 * `\c` the literal c; everything else literal. Extended globs are not bash defaults and
 * are not supported: they stay literal characters.
 */
export function globToRegExp(pattern: string): RegExp {
  let out = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '*') out += '[\\s\\S]*';
    else if (c === '?') out += '[\\s\\S]';
    else if (c === '\\' && i + 1 < pattern.length) out += escapeRegExp(pattern[++i]);
    else if (c === '[') {
      const close = classEnd(pattern, i);
      if (close < 0) out += '\\[';
      else {
        let body = pattern.slice(i + 1, close);
        const negate = body.startsWith('!') || body.startsWith('^');
        if (negate) body = body.slice(1);
        // Inside a class only `\`, `]` and `^` need care in a RegExp; `-` keeps its range meaning.
        out += `[${negate ? '^' : ''}${body.replace(/[\\\]^]/g, '\\$&')}]`;
        i = close;
      }
    } else out += escapeRegExp(c);
  }
  return new RegExp(`^(?:${out})$`, 'u');
}

/** The index of the `]` closing the class opened at `open`, or -1 (then `[` is literal). */
function classEnd(pattern: string, open: number): number {
  let j = open + 1;
  if (pattern[j] === '!' || pattern[j] === '^') j++;
  // A `]` first in the class is a member, as in bash.
  if (pattern[j] === ']') j++;
  const close = pattern.indexOf(']', j);
  return close;
}

// Only RegExp syntax characters: a `u` RegExp refuses any other escaped character.
function escapeRegExp(c: string): string {
  return c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}
