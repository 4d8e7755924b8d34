import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ExpositionError, parseExposition } from '../../src/prometheus/exposition';

describe('parseExposition', () => {
  it('reads what prom-client writes: counters, histogram series, escaped label values', () => {
    const text = readFileSync(join(__dirname, '../fixtures/prom-client-exposition.txt'), 'utf8');
    const samples = parseExposition(text);
    expect(samples).toHaveLength(2 + 8 + 1);
    expect(samples[0]).toEqual({
      labels: {
        __name__: 'maskops_predict_requests_total',
        track: 'canary',
        build: 'b-1',
        outcome: 'ok',
      },
      value: 3,
    });
    const inf = samples.find((s) => s.labels.le === '+Inf');
    expect(inf?.value).toBe(3);
    expect(samples.at(-1)).toEqual({
      labels: { __name__: 'odd_label_values', path: 'a"b\\c\nd' },
      value: -1.5,
    });
  });

  it.each([
    ['x NaN', NaN],
    ['x +Inf', Infinity],
    ['x -Inf 1700000000000', -Infinity],
    ['x{} 1e-3', 0.001],
    ['  x{a="1",} 2  ', 2],
  ])('parses %j', (line, value) => {
    expect(parseExposition(line)[0]?.value).toBe(value);
  });

  it.each([
    ['x'],
    ['x abc'],
    ['x{a="1" 2'],
    ['x{a=1} 2'],
    ['x{a="\\t"} 2'],
    ['x{a="1",a="2"} 2'],
    ['x 1 2 3'],
    ['1x 2'],
  ])('rejects %j naming the line', (line) => {
    expect(() => parseExposition(`# HELP ok\nok 1\n${line}`)).toThrow(ExpositionError);
    expect(() => parseExposition(`ok 1\n${line}`)).toThrow(/^line 2: /);
  });
});
