import { applyJsonPatch } from '../../src/kube-api/json-patch';
import { applyMergePatch } from '../../src/kube-api/merge-patch';

describe('JSON merge patch (RFC 7386)', () => {
  it('merges objects, replaces arrays and deletes on null', () => {
    const target = { a: 'b', c: { d: 'e', f: 'g' }, list: [1, 2] };
    expect(applyMergePatch(target, { a: 'z', c: { f: null }, list: [3] })).toEqual({
      a: 'z',
      c: { d: 'e' },
      list: [3],
    });
    expect(target.c.f).toBe('g');
  });

  it('follows the RFC appendix examples', () => {
    expect(applyMergePatch({ a: 'b' }, { a: 'c' })).toEqual({ a: 'c' });
    expect(applyMergePatch({ a: [{ b: 'c' }] }, { a: [1] })).toEqual({ a: [1] });
    expect(applyMergePatch(['a', 'b'], ['c', 'd'])).toEqual(['c', 'd']);
    expect(applyMergePatch({ a: 'foo' }, null)).toBeNull();
    expect(applyMergePatch({ e: null }, { a: 1 })).toEqual({ e: null, a: 1 });
    expect(applyMergePatch({}, { a: { bb: { ccc: null } } })).toEqual({ a: { bb: {} } });
  });
});

describe('JSON patch (RFC 6902)', () => {
  const doc = () => ({ metadata: { annotations: { 'a/b': 'x' } }, list: ['p', 'q'] });

  it('applies add, remove, replace, move, copy and test', () => {
    const out = applyJsonPatch(doc(), [
      { op: 'test', path: '/metadata/annotations/a~1b', value: 'x' },
      { op: 'add', path: '/list/-', value: 'r' },
      { op: 'add', path: '/list/0', value: 'o' },
      { op: 'remove', path: '/list/1' },
      { op: 'replace', path: '/metadata/annotations/a~1b', value: 'y' },
      { op: 'copy', from: '/list/0', path: '/first' },
      { op: 'move', from: '/first', path: '/metadata/first' },
    ]);
    expect(out).toEqual({
      metadata: { annotations: { 'a/b': 'y' }, first: 'o' },
      list: ['o', 'q', 'r'],
    });
  });

  it('fails a whole patch on a failed test or a missing path, leaving the input alone', () => {
    const input = doc();
    expect(() =>
      applyJsonPatch(input, [
        { op: 'add', path: '/new', value: 1 },
        { op: 'test', path: '/list/0', value: 'nope' },
      ]),
    ).toThrow(/test/);
    expect(() => applyJsonPatch(input, [{ op: 'replace', path: '/missing/x', value: 1 }])).toThrow(
      /does not exist/,
    );
    expect(() => applyJsonPatch(input, [{ op: 'remove', path: '/list/5' }])).toThrow(
      /out of bounds/,
    );
    expect(input).toEqual(doc());
  });
});
