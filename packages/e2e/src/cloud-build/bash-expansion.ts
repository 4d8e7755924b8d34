import { badSubstitution } from './errors';
import { globToRegExp } from './glob-pattern';

/**
 * The bash-style parameter expansions Cloud Build applies to substitutions when
 * `options.dynamicSubstitutions` is true (always, for triggered builds):
 * https://cloud.google.com/build/docs/configuring-builds/use-bash-and-bindings-in-substitutions
 *
 * `operation` is what follows the variable's name inside `${NAME…}`. Supported:
 * substrings `:offset` and `:offset:length` (a negative offset needs the space bash
 * needs, `: -3`), prefix/suffix removal `#` `##` `%` `%%`, replacement `/` `//` `/#`
 * `/%`, case `^` `^^` `,` `,,`. Anything else — defaults (`:-`, `:=`, `:+`, `:?`),
 * indirection, case patterns — stops the build with a message naming it: running with
 * a different value than Cloud Build would is worse than not running.
 */
export function applyExpansion(
  name: string,
  value: string,
  operation: string,
  where: string,
): string {
  if (operation === '') return value;
  const refuse = (why: string): never => {
    throw badSubstitution(where, `unsupported expansion \${${name}${operation}}: ${why}`);
  };
  const chars = [...value];
  switch (operation[0]) {
    case ':':
      return substring(chars, operation.slice(1), refuse);
    case '#':
    case '%':
      return removeAffix(chars, operation);
    case '/':
      return replace(chars, operation.slice(1));
    case '^':
    case ',':
      return changeCase(chars, operation, refuse);
    default:
      return refuse('not a bash expansion Cloud Build supports');
  }
}

type Refuse = (why: string) => never;

const INTEGER = /^ *(-?\d+) *$/;

function substring(chars: string[], spec: string, refuse: Refuse): string {
  if (/^[-=+?]/.test(spec)) {
    return refuse('default and alternate values are not among the documented expansions');
  }
  const [offsetText, lengthText, ...rest] = spec.split(':');
  if (rest.length > 0) return refuse('too many ":"');
  const offset = INTEGER.exec(offsetText)?.[1];
  if (offset === undefined) return refuse('the offset must be an integer');
  let start = Number(offset);
  if (start < 0) start = Math.max(0, chars.length + start);
  if (lengthText === undefined) return chars.slice(start).join('');
  const lengthMatch = INTEGER.exec(lengthText)?.[1];
  if (lengthMatch === undefined) return refuse('the length must be an integer');
  const length = Number(lengthMatch);
  // As bash: a negative length counts back from the end of the value.
  const end = length < 0 ? chars.length + length : start + length;
  if (end < start) return refuse('the length ends before the offset');
  return chars.slice(start, end).join('');
}

function removeAffix(chars: string[], operation: string): string {
  const fromStart = operation[0] === '#';
  const longest = operation[1] === operation[0];
  const re = globToRegExp(operation.slice(longest ? 2 : 1));
  const n = chars.length;
  // How many characters to cut, fewest first (bash's `#`/`%`) or most first (`##`/`%%`).
  const counts = [...Array(n + 1).keys()];
  if (longest) counts.reverse();
  for (const count of counts) {
    const [cutFrom, cutTo] = fromStart ? [0, count] : [n - count, n];
    if (re.test(chars.slice(cutFrom, cutTo).join(''))) {
      return chars.slice(0, cutFrom).join('') + chars.slice(cutTo).join('');
    }
  }
  return chars.join('');
}

function replace(chars: string[], spec: string): string {
  let mode: 'first' | 'all' | 'prefix' | 'suffix' = 'first';
  if (spec.startsWith('/')) mode = 'all';
  else if (spec.startsWith('#')) mode = 'prefix';
  else if (spec.startsWith('%')) mode = 'suffix';
  const body = mode === 'first' ? spec : spec.slice(1);
  // No second `/`: the matches are deleted, as in bash.
  const slash = unescapedSlash(body);
  const re = globToRegExp(slash < 0 ? body : body.slice(0, slash));
  const replacement = slash < 0 ? '' : body.slice(slash + 1);
  const n = chars.length;
  const matches = (from: number, to: number): boolean => re.test(chars.slice(from, to).join(''));
  if (mode === 'prefix' || mode === 'suffix') {
    // The longest anchored match, as bash takes it.
    for (let len = n; len >= 0; len--) {
      const [from, to] = mode === 'prefix' ? [0, len] : [n - len, n];
      if (matches(from, to)) {
        return chars.slice(0, from).join('') + replacement + chars.slice(to).join('');
      }
    }
    return chars.join('');
  }
  let out = '';
  let i = 0;
  let replaced = false;
  while (i < n) {
    let end = -1;
    if (!(replaced && mode === 'first')) {
      for (let to = n; to > i; to--) {
        if (matches(i, to)) {
          end = to;
          break;
        }
      }
    }
    if (end < 0) {
      out += chars[i++];
      continue;
    }
    out += replacement;
    i = end;
    replaced = true;
  }
  return out;
}

/** The first `/` not escaped with a backslash (bash splits there even inside `[…]`), or -1. */
function unescapedSlash(text: string): number {
  for (let i = 0; i < text.length; i++) {
    if (text[i] === '\\') i++;
    else if (text[i] === '/') return i;
  }
  return -1;
}

function changeCase(chars: string[], operation: string, refuse: Refuse): string {
  const upper = operation[0] === '^';
  const all = operation[1] === operation[0];
  if (operation.length !== (all ? 2 : 1)) {
    return refuse('case changes with a pattern are not among the documented expansions');
  }
  const convert = (c: string): string => (upper ? c.toUpperCase() : c.toLowerCase());
  if (all) return chars.map(convert).join('');
  return chars.length === 0 ? '' : convert(chars[0]) + chars.slice(1).join('');
}
