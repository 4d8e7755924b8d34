import { labelsInvalid } from '../errors';

/** Ids beyond this are refused: labels are held in a Map, but no real model has more classes. */
export const MAX_LABEL_ID = 100_000;
/** Longest label name accepted (the overlay draws it; the JSON answer repeats it per instance). */
const MAX_NAME_LENGTH = 200;

/** Class id → name, exactly the ids the file names (never a table sized by the largest id). */
export type LabelMap = ReadonlyMap<number, string>;

/** An id the labels do not name is reported as its number. */
export function labelOf(labels: LabelMap, classId: number): string {
  return labels.get(classId) ?? String(classId);
}

const BACKGROUND_NAMES = new Set(['bg', 'background', '__background__']);
// C0 and C1 controls, DEL, and the Unicode line and paragraph separators: none is
// drawable, and librsvg refuses an SVG text holding one.
const CONTROL = /[\p{Cc}\u2028\u2029]/u;
const ID = /^(?:0|[1-9]\d{0,9})$/;

/**
 * Parses a labels file strictly. Accepted forms: JSON `{ "1": "person", … }` (or
 * `{ "labels": { … } }`, or an array indexed by id), a TF Object Detection API
 * pbtxt label map (`item { id: 1 display_name: 'person' }`, display_name preferred
 * over name), or plain text with one name per line (blank lines skipped; the first
 * name is id 1 unless it is a background name, which makes the list 0-based).
 *
 * Ids are decimal integers 0..MAX_LABEL_ID, each once; names are 1–200 characters
 * without control characters. Anything else is LABELS_INVALID naming `file` and the
 * 1-based line of the first problem.
 */
export function parseLabelFile(text: string, file: string): Map<number, string> {
  const trimmed = text.trim();
  if (trimmed.startsWith('{') || trimmed.startsWith('[')) return parseJson(text, file);
  if (/\bitem\s*\{/.test(trimmed)) return parsePbtxt(text, file);
  return parseLines(text, file);
}

/** The labels of a maskops.json `labels` object, checked like a labels file. */
export function labelsFromObject(
  obj: Record<string, unknown>,
  file: string,
  text = '',
): Map<number, string> {
  const map = new Map<number, string>();
  for (const [key, value] of Object.entries(obj)) {
    const line = lineOfKey(text, key);
    if (!ID.test(key))
      fail(file, line, `label id ${JSON.stringify(key)} is not an integer 0..${MAX_LABEL_ID}`);
    if (typeof value !== 'string') fail(file, line, `label ${key} must be a string`);
    add(map, Number(key), value, file, line);
  }
  if (map.size === 0) fail(file, 1, 'contains no labels');
  return map;
}

function parseJson(text: string, file: string): Map<number, string> {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    const at = /position (\d+)/.exec(String(err))?.[1];
    fail(
      file,
      lineAt(text, at === undefined ? text.length : Number(at)),
      'looks like JSON but does not parse',
    );
  }
  if (Array.isArray(value)) {
    if (value.length > MAX_LABEL_ID + 1) fail(file, 1, `has more than ${MAX_LABEL_ID + 1} labels`);
    const map = new Map<number, string>();
    value.forEach((name, id) => {
      if (typeof name !== 'string') fail(file, 1, `label ${id} must be a string`);
      add(map, id, name, file, 1);
    });
    if (map.size === 0) fail(file, 1, 'contains no labels');
    return map;
  }
  if (!isRecord(value)) fail(file, 1, 'must be a JSON object or array');
  const labels = isRecord(value.labels) ? value.labels : value;
  // JSON.parse keeps the last of two equal keys: find repeats in the text itself.
  const seen = new Set<string>();
  for (const match of text.matchAll(/"(\d+)"\s*:/g)) {
    if (seen.has(match[1]))
      fail(file, lineAt(text, match.index), `label id ${match[1]} appears twice`);
    seen.add(match[1]);
  }
  return labelsFromObject(labels, file, text);
}

function parsePbtxt(text: string, file: string): Map<number, string> {
  const map = new Map<number, string>();
  for (const item of text.matchAll(/item\s*\{([^}]*)\}/g)) {
    const body = item[1];
    const line = lineAt(text, item.index);
    const id = /\bid\s*:\s*([^\s}]+)/.exec(body)?.[1];
    const display = /\bdisplay_name\s*:\s*(?:"([^"]*)"|'([^']*)')/.exec(body);
    const name = /(?<!display_)\bname\s*:\s*(?:"([^"]*)"|'([^']*)')/.exec(body);
    const label = display ? (display[1] ?? display[2]) : name ? (name[1] ?? name[2]) : undefined;
    if (id === undefined || label === undefined) fail(file, line, 'has an item without id or name');
    if (!ID.test(id))
      fail(file, line, `label id ${JSON.stringify(id)} is not an integer 0..${MAX_LABEL_ID}`);
    add(map, Number(id), label, file, line);
  }
  if (map.size === 0) fail(file, 1, 'contains no label map items');
  return map;
}

function parseLines(text: string, file: string): Map<number, string> {
  const lines = text.split(/\r?\n/).map((name, i) => ({ name: name.trim(), line: i + 1 }));
  const named = lines.filter((l) => l.name.length > 0);
  if (named.length === 0) fail(file, 1, 'contains no labels');
  const first = BACKGROUND_NAMES.has(named[0].name.toLowerCase()) ? 0 : 1;
  const map = new Map<number, string>();
  named.forEach(({ name, line }, i) => add(map, i + first, name, file, line));
  return map;
}

function add(map: Map<number, string>, id: number, name: string, file: string, line: number): void {
  if (id > MAX_LABEL_ID) fail(file, line, `label id ${id} is above ${MAX_LABEL_ID}`);
  if (map.has(id)) fail(file, line, `label id ${id} appears twice`);
  if (name.trim().length === 0) fail(file, line, `label ${id} is empty`);
  if (name.length > MAX_NAME_LENGTH)
    fail(file, line, `label ${id} is longer than ${MAX_NAME_LENGTH} characters`);
  if (CONTROL.test(name)) fail(file, line, `label ${id} holds a control character`);
  map.set(id, name);
}

function lineAt(text: string, index: number): number {
  let line = 1;
  for (let i = 0; i < index && i < text.length; i++) if (text.charCodeAt(i) === 10) line++;
  return line;
}

function lineOfKey(text: string, key: string): number {
  const at = text.indexOf(JSON.stringify(key));
  return at < 0 ? 1 : lineAt(text, at);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function fail(file: string, line: number, problem: string): never {
  throw labelsInvalid(file, line, problem);
}
