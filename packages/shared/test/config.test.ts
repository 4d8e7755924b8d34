import {
  boolean,
  ConfigError,
  integer,
  loadConfigOrExit,
  oneOf,
  optionalString,
  requireString,
  url,
} from '../src/config';

describe('config readers', () => {
  it('requireString names the variable', () => {
    expect(() => requireString({}, 'PROJECT')).toThrow('PROJECT: is required but not set');
    expect(() => requireString({ PROJECT: '  ' }, 'PROJECT')).toThrow(ConfigError);
    expect(requireString({ PROJECT: ' p ' }, 'PROJECT')).toBe('p');
  });
  it('optionalString falls back', () => {
    expect(optionalString({}, 'NAMESPACE', 'default')).toBe('default');
    expect(optionalString({}, 'CONTAINER')).toBeUndefined();
  });
  it('integer validates format and range', () => {
    expect(integer({}, 'PORT', 8080)).toBe(8080);
    expect(integer({ PORT: '9000' }, 'PORT', 8080, { min: 1, max: 65535 })).toBe(9000);
    expect(() => integer({ PORT: '80a' }, 'PORT', 8080)).toThrow(
      'PORT: must be an integer, got "80a"',
    );
    expect(() => integer({ PORT: '1.5' }, 'PORT', 8080)).toThrow(ConfigError);
    expect(() => integer({ PORT: '70000' }, 'PORT', 8080, { max: 65535 })).toThrow(
      'PORT: must be <= 65535',
    );
    expect(() => integer({ T: '-1' }, 'T', 0, { min: 0 })).toThrow('T: must be >= 0');
  });
  it('boolean accepts the usual spellings only', () => {
    expect(boolean({ R: 'FALSE' }, 'R', true)).toBe(false);
    expect(boolean({ R: 'yes' }, 'R', false)).toBe(true);
    expect(boolean({}, 'R', true)).toBe(true);
    expect(() => boolean({ R: 'maybe' }, 'R', true)).toThrow('R: must be true or false');
  });
  it('oneOf lists the allowed values', () => {
    expect(oneOf({ A: 'wasm' }, 'A', ['wasm', 'cpu'] as const)).toBe('wasm');
    expect(oneOf({}, 'A', ['wasm', 'cpu'] as const)).toBeUndefined();
    expect(() => oneOf({ A: 'gpu' }, 'A', ['wasm', 'cpu'] as const)).toThrow(
      'A: must be one of wasm, cpu, got "gpu"',
    );
  });
  it('url requires an absolute http(s) URL and trims trailing slashes', () => {
    expect(url({}, 'U', 'https://container.googleapis.com/')).toBe(
      'https://container.googleapis.com',
    );
    expect(() => url({ U: 'container.googleapis.com' }, 'U', 'x')).toThrow(
      'U: must be an absolute URL',
    );
    expect(() => url({ U: 'ftp://x' }, 'U', 'x')).toThrow('U: must be an http(s) URL');
  });
  it('loadConfigOrExit prints one line naming the variable and exits 78', () => {
    const lines: string[] = [];
    const exit = jest.spyOn(process, 'exit').mockImplementation(((code: number) => {
      throw new Error(`exit ${code}`);
    }) as never);
    try {
      expect(() =>
        loadConfigOrExit(
          () => requireString({}, 'CLUSTER'),
          (l) => lines.push(l),
        ),
      ).toThrow('exit 78');
    } finally {
      exit.mockRestore();
    }
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0])).toMatchObject({ severity: 'CRITICAL', variable: 'CLUSTER' });
  });
  it('loadConfigOrExit freezes the result', () => {
    const cfg = loadConfigOrExit(() => ({ a: 1 }));
    expect(Object.isFrozen(cfg)).toBe(true);
  });
});
