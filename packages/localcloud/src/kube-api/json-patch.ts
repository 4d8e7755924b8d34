import { KubeApiError } from './status';
import { isObj } from '@maskops/shared';
import { deepCopy, deepEqual } from './json-value';

interface Operation {
  op: string;
  path: string;
  from?: string;
  value?: unknown;
}

function invalid(message: string): KubeApiError {
  // The API server answers an unappliable JSON patch with 422 (a failed `test` included).
  return new KubeApiError(422, message, 'Invalid');
}

function parsePointer(pointer: string): string[] {
  if (pointer === '') return [];
  if (!pointer.startsWith('/')) throw invalid(`invalid JSON pointer "${pointer}"`);
  return pointer
    .slice(1)
    .split('/')
    .map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'));
}

function arrayIndex(arr: unknown[], token: string, forInsert: boolean): number {
  if (forInsert && token === '-') return arr.length;
  if (!/^(0|[1-9]\d*)$/.test(token)) throw invalid(`invalid array index "${token}"`);
  const index = Number(token);
  if (index > arr.length || (!forInsert && index === arr.length)) {
    throw invalid(`array index ${index} out of bounds`);
  }
  return index;
}

/** The container holding the last token, and that token. */
function parentOf(doc: unknown, tokens: string[], path: string): [unknown, string] {
  let node = doc;
  for (const token of tokens.slice(0, -1)) {
    if (Array.isArray(node)) node = node[arrayIndex(node, token, false)];
    else if (isObj(node) && token in node) node = node[token];
    else throw invalid(`path "${path}" does not exist`);
  }
  return [node, tokens[tokens.length - 1]];
}

function get(doc: unknown, path: string): unknown {
  const tokens = parsePointer(path);
  if (tokens.length === 0) return doc;
  const [parent, last] = parentOf(doc, tokens, path);
  if (Array.isArray(parent)) return parent[arrayIndex(parent, last, false)];
  if (isObj(parent) && last in parent) return parent[last];
  throw invalid(`path "${path}" does not exist`);
}

function add(doc: unknown, path: string, value: unknown): unknown {
  const tokens = parsePointer(path);
  if (tokens.length === 0) return value;
  const [parent, last] = parentOf(doc, tokens, path);
  if (Array.isArray(parent)) parent.splice(arrayIndex(parent, last, true), 0, value);
  else if (isObj(parent)) parent[last] = value;
  else throw invalid(`path "${path}" does not exist`);
  return doc;
}

function remove(doc: unknown, path: string): unknown {
  const tokens = parsePointer(path);
  if (tokens.length === 0) throw invalid('cannot remove the document root');
  const [parent, last] = parentOf(doc, tokens, path);
  if (Array.isArray(parent)) parent.splice(arrayIndex(parent, last, false), 1);
  else if (isObj(parent) && last in parent) delete parent[last];
  else throw invalid(`path "${path}" does not exist`);
  return doc;
}

/** RFC 6902 JSON Patch, all six operations; any failure leaves the input untouched. */
export function applyJsonPatch(target: unknown, operations: unknown): unknown {
  if (!Array.isArray(operations)) throw new KubeApiError(400, 'JSON patch must be an array');
  let doc = deepCopy(target);
  for (const raw of operations) {
    if (!isObj(raw) || typeof raw.op !== 'string' || typeof raw.path !== 'string') {
      throw new KubeApiError(400, `invalid JSON patch operation ${JSON.stringify(raw)}`);
    }
    const op = raw as unknown as Operation;
    switch (op.op) {
      case 'add':
        doc = add(doc, op.path, deepCopy(op.value));
        break;
      case 'remove':
        doc = remove(doc, op.path);
        break;
      case 'replace':
        get(doc, op.path);
        if (op.path === '') {
          doc = deepCopy(op.value);
          break;
        }
        doc = add(remove(doc, op.path), op.path, deepCopy(op.value));
        break;
      case 'move': {
        const value = get(doc, op.from ?? '');
        doc = add(remove(doc, op.from ?? ''), op.path, value);
        break;
      }
      case 'copy':
        doc = add(doc, op.path, deepCopy(get(doc, op.from ?? '')));
        break;
      case 'test':
        if (!deepEqual(get(doc, op.path), op.value)) {
          throw invalid(`testing value ${op.path} failed`);
        }
        break;
      default:
        throw new KubeApiError(400, `unknown JSON patch operation "${op.op}"`);
    }
  }
  return doc;
}
