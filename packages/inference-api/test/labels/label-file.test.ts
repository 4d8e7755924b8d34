import { ErrorCode } from '../../src/errors';
import { labelOf, MAX_LABEL_ID, parseLabelFile } from '../../src/labels/label-file';

describe('parseLabelFile', () => {
  it('reads a JSON id → name object, a maskops.json-shaped object and an array', () => {
    expect(parseLabelFile('{"1":"cat","3":"dog"}', 'x')).toEqual(
      new Map([
        [1, 'cat'],
        [3, 'dog'],
      ]),
    );
    expect(parseLabelFile('{"name":"m","labels":{"2":"dog"}}', 'x')).toEqual(new Map([[2, 'dog']]));
    expect(parseLabelFile('["BG","cat"]', 'x').get(1)).toBe('cat');
  });

  it('reads a pbtxt label map, preferring display_name', () => {
    const pbtxt = `
      item {
        name: "/m/01g317"
        id: 1
        display_name: "person"
      }
      item { id: 2 name: 'bicycle' }
    `;
    expect(parseLabelFile(pbtxt, 'x')).toEqual(
      new Map([
        [1, 'person'],
        [2, 'bicycle'],
      ]),
    );
  });

  it('reads text one name per line, 1-based unless the first line is the background', () => {
    expect(parseLabelFile('cat\n\ndog\r\n', 'x')).toEqual(
      new Map([
        [1, 'cat'],
        [2, 'dog'],
      ]),
    );
    expect(parseLabelFile('BG\ncat\ndog', 'x').get(2)).toBe('dog');
  });

  it.each([
    ['broken JSON', '{\n"1": ', 2],
    ['a non-numeric id', '{"one":"cat"}', 1],
    ['an exponent id (V8 would size a table by it)', '{\n"1": "a",\n"1e21": "b"}', 3],
    ['an id above the range', `{"${MAX_LABEL_ID + 1}": "far"}`, 1],
    ['30 000 000 in a label map', "item { id: 1 name: 'a' }\nitem { id: 30000000 name: 'b' }", 2],
    ['a negative id', "item { id: -1 name: 'a' }", 1],
    ['a non-string name', '{"1": 5}', 1],
    ['a repeated id in JSON', '{\n"1": "a",\n"1": "b"\n}', 3],
    ['a repeated id in a label map', "item { id: 1 name: 'a' }\n\nitem { id: 1 name: 'b' }", 3],
    ['a control character in a name', 'cat\ndo\u0007g\n', 2],
    ['an empty name', '{"1": "  "}', 1],
    ['an item without a name', 'item { id: 1 }', 1],
  ])('refuses %s with LABELS_INVALID naming the file and line', (_name, text, line) => {
    expect(() => parseLabelFile(text, '/models/m/labels.txt')).toThrow(
      expect.objectContaining({
        code: ErrorCode.LABELS_INVALID,
        message: expect.stringContaining(`labels file /models/m/labels.txt line ${line}:`),
      }),
    );
  });

  it('refuses a file with nothing in it', () => {
    expect(() => parseLabelFile('   \n ', 'f')).toThrow(
      expect.objectContaining({ code: ErrorCode.LABELS_INVALID }),
    );
  });

  it('reports an id the labels do not name as its number', () => {
    expect(labelOf(new Map([[1, 'a']]), 1)).toBe('a');
    expect(labelOf(new Map([[1, 'a']]), 30_000_000)).toBe('30000000');
  });
});
