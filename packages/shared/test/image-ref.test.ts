import { formatImageRef, ImageRefError, parseImageRef, parseRepository } from '../src/image-ref';

const DIGEST = 'sha256:0000000000000000000000000000000000000000000000000000000000000000'.replace(
  /0/g,
  'a',
);
const AR = 'us-central1-docker.pkg.dev/my-proj/maskops/inference-api';

describe('parseImageRef: valid references', () => {
  const cases: Array<[string, { host: string; path: string; tag?: string; digest?: string }]> = [
    [AR, { host: 'us-central1-docker.pkg.dev', path: 'my-proj/maskops/inference-api' }],
    [
      `${AR}:abc1234`,
      { host: 'us-central1-docker.pkg.dev', path: 'my-proj/maskops/inference-api', tag: 'abc1234' },
    ],
    [
      `${AR}@${DIGEST}`,
      { host: 'us-central1-docker.pkg.dev', path: 'my-proj/maskops/inference-api', digest: DIGEST },
    ],
    [
      `${AR}:v1.2_rc-3@${DIGEST}`,
      {
        host: 'us-central1-docker.pkg.dev',
        path: 'my-proj/maskops/inference-api',
        tag: 'v1.2_rc-3',
        digest: DIGEST,
      },
    ],
    ['gcr.io/proj/app:latest', { host: 'gcr.io', path: 'proj/app', tag: 'latest' }],
    ['localhost:5000/app', { host: 'localhost:5000', path: 'app' }],
    ['localhost/app:1', { host: 'localhost', path: 'app', tag: '1' }],
    [
      'registry.example.com:443/a__b/c.d/e-f--g:TAG',
      { host: 'registry.example.com:443', path: 'a__b/c.d/e-f--g', tag: 'TAG' },
    ],
    ['My-Registry.Example.com/app', { host: 'My-Registry.Example.com', path: 'app' }],
  ];
  it.each(cases)('%s', (input, expected) => {
    const ref = parseImageRef(input);
    expect(ref).toEqual({ ...expected, repository: `${expected.host}/${expected.path}` });
    expect(formatImageRef(ref)).toBe(
      expected.digest ? `${ref.repository}@${expected.digest}` : input,
    );
  });
});

describe('parseImageRef: invalid references', () => {
  const cases: Array<[string, string]> = [
    ['', 'empty'],
    ['inference-api', 'no host'],
    ['library/ubuntu', 'docker hub namespace is not a host'],
    [`${AR} `, 'trailing space'],
    [` ${AR}`, 'leading space'],
    [`${AR}\n`, 'newline'],
    [`${AR}:tag\u0000`, 'NUL'],
    [`${AR}\u001b[31m`, 'ANSI escape'],
    ['gcr.io/Proj/app', 'uppercase path'],
    ['gcr.io/proj/app:', 'empty tag'],
    ['gcr.io/proj/app:-bad', 'tag starting with dash'],
    [`gcr.io/proj/app:${'t'.repeat(129)}`, 'tag too long'],
    ['gcr.io/proj/app@sha256:abc', 'short digest'],
    [`gcr.io/proj/app@sha256:${'A'.repeat(64)}`, 'uppercase digest'],
    [`gcr.io/proj/app@md5:${'a'.repeat(64)}`, 'other algorithm'],
    [`gcr.io/proj/app@${DIGEST}@${DIGEST}`, 'two digests'],
    ['gcr.io//app', 'empty path component'],
    ['gcr.io/proj/app/', 'trailing slash'],
    ['gcr.io/proj/../app', 'dot-dot'],
    ['gcr.io/proj/-app', 'leading dash'],
    ['gcr.io/proj/app;rm -rf', 'shell injection'],
    ['gcr.io/proj/app$(id)', 'command substitution'],
    ['-gcr.io/proj/app', 'host with leading dash'],
    ['gcr.io:99999/app', 'port out of range'],
    ['gcr.io:/app', 'empty port'],
    ['gcr.ιο/app', 'non-ASCII host'],
    [`gcr.io/${'a'.repeat(260)}`, 'too long'],
    ['https://gcr.io/proj/app', 'URL scheme'],
  ];
  it.each(cases)('%j (%s)', (input) => {
    expect(() => parseImageRef(input)).toThrow(ImageRefError);
  });

  it('errors carry a stable code and a truncated input', () => {
    try {
      parseImageRef('x'.repeat(1000));
      throw new Error('unreachable');
    } catch (err) {
      expect(err).toBeInstanceOf(ImageRefError);
      expect((err as ImageRefError).code).toBe('IMAGE_REF_INVALID');
      expect(String((err as ImageRefError).details?.input).length).toBeLessThanOrEqual(300);
    }
  });
});

describe('parseRepository', () => {
  it('accepts a bare repository', () => {
    expect(parseRepository(AR)).toBe(AR);
  });
  it.each([`${AR}:tag`, `${AR}@${DIGEST}`])('refuses %s', (input) => {
    expect(() => parseRepository(input)).toThrow(/without tag or digest/);
  });
});
