import { compareTimestamps, normalizeTimestamp } from '../src/timestamp';

it.each<[unknown, string | undefined]>([
  ['2026-01-02T03:04:05Z', '2026-01-02T03:04:05.000000000Z'],
  ['2026-01-02T03:04:05.1Z', '2026-01-02T03:04:05.100000000Z'],
  ['2026-01-02T03:04:05.123456789Z', '2026-01-02T03:04:05.123456789Z'],
  ['2026-01-02T00:30:00.25-05:30', '2026-01-02T06:00:00.250000000Z'],
  ['2026-01-02t03:04:05z', '2026-01-02T03:04:05.000000000Z'],
  ['2026-13-01T00:00:00Z', undefined],
  ['2026-02-29T00:00:00Z', undefined],
  ['2026-01-02 03:04:05Z', undefined],
  ['2026-01-02T03:04:05.1234567890Z', undefined],
  ['2026-01-02T03:04:05', undefined],
  [1767323045, undefined],
  [undefined, undefined],
])('normalizeTimestamp(%p) = %p', (input, expected) => {
  expect(normalizeTimestamp(input)).toBe(expected);
});

it('keeps nanosecond order that Date would lose', () => {
  const a = normalizeTimestamp('2026-01-02T03:04:05.123456788Z')!;
  const b = normalizeTimestamp('2026-01-02T03:04:05.123456789Z')!;
  expect(compareTimestamps(a, b)).toBe(-1);
  expect(compareTimestamps(b, a)).toBe(1);
  expect(compareTimestamps(a, a)).toBe(0);
  expect(Date.parse(a)).toBe(Date.parse(b));
});
