import { ConfigError } from '@maskops/shared';
import { AUTO, autoOrInteger } from '../../src/config/readers';

describe('autoOrInteger (config/readers.ts)', () => {
  it('reads unset, blank and `auto` as auto, and an integer as itself', () => {
    expect(autoOrInteger({}, 'X')).toBe(AUTO);
    expect(autoOrInteger({ X: '  ' }, 'X')).toBe(AUTO);
    expect(autoOrInteger({ X: 'auto' }, 'X')).toBe(AUTO);
    expect(autoOrInteger({ X: ' 250 ' }, 'X')).toBe(250);
    expect(autoOrInteger({ X: '0' }, 'X', 0)).toBe(0);
  });

  it.each([
    ['automatic', 1],
    ['1.5', 1],
    ['-1', 1],
    ['0', 1],
    ['-1', 0],
  ])('refuses "%s" (min %d) naming the variable', (value, min) => {
    let err: unknown;
    try {
      autoOrInteger({ X: value }, 'X', min);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).variable).toBe('X');
  });
});
