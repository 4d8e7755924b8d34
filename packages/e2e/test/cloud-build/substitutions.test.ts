import { execFileSync } from 'node:child_process';
import { CloudBuildConfigErrorCode } from '../../src/cloud-build/errors';
import type { SubstitutionInput } from '../../src/cloud-build/substitutions';
import { createSubstitutor } from '../../src/cloud-build/substitutions';

/**
 * Rows follow the rules and examples of Cloud Build's documentation:
 * https://cloud.google.com/build/docs/configuring-builds/substitute-variable-values
 * https://cloud.google.com/build/docs/configuring-builds/use-bash-and-bindings-in-substitutions
 */
const builtins = {
  PROJECT_ID: 'my-project',
  BUILD_ID: '6f7d4c2e-0b1a-4c5d-9e8f-0123456789ab',
  PROJECT_NUMBER: '123456789012',
  LOCATION: 'us-central1',
  COMMIT_SHA: '0123456789abcdef0123456789abcdef01234567',
  SHORT_SHA: '0123456',
  BRANCH_NAME: 'feature/Login-Page',
  REPO_NAME: 'maskops',
} as const;

function expand(text: string, extra: Partial<SubstitutionInput> = {}): string {
  const s = createSubstitutor({ builtins, dynamic: true, ...extra });
  return s.expand(text, 'steps[0].args[0]');
}

function errorOf(fn: () => unknown): { code: string; message: string } {
  try {
    fn();
  } catch (err) {
    return err as { code: string; message: string };
  }
  throw new Error('expected an error');
}

describe('built-in and user substitutions', () => {
  test.each([
    ['$PROJECT_ID and ${BUILD_ID}', 'my-project and 6f7d4c2e-0b1a-4c5d-9e8f-0123456789ab'],
    ['gcr.io/$PROJECT_ID/app:$SHORT_SHA', 'gcr.io/my-project/app:0123456'],
    ['${LOCATION}-docker.pkg.dev', 'us-central1-docker.pkg.dev'],
    ['$$HOME stays for the shell', '$HOME stays for the shell'],
    ['$$$PROJECT_ID', '$my-project'],
    // A built-in the build does not have (no trigger, no tag) is empty.
    ['tag=[$TAG_NAME] trigger=[${TRIGGER_NAME}]', 'tag=[] trigger=[]'],
    ['$_IMAGE:$_TAG', 'repo/app:v1'],
    ['${_IMAGE}_suffix', 'repo/app_suffix'],
    ['price $5 and a lone $', 'price $5 and a lone $'],
  ])('%s', (text, expected) => {
    expect(
      expand(text, { defaults: { _IMAGE: 'repo/app', _TAG: 'v1' }, option: 'ALLOW_LOOSE' }),
    ).toBe(expected);
  });

  test('overrides win over the file defaults', () => {
    const s = createSubstitutor({
      builtins,
      defaults: { _TAG: 'default' },
      overrides: { _TAG: 'given' },
    });
    expect(s.expand('${_TAG}', 'images[0]')).toBe('given');
    s.checkAllUsed();
    expect(s.published()).toMatchObject({ _TAG: 'given', PROJECT_ID: 'my-project' });
  });

  test('dynamic: user values may refer to built-ins and to other user substitutions', () => {
    const s = createSubstitutor({
      builtins,
      dynamic: true,
      defaults: {
        _IMAGE: 'us-docker.pkg.dev/${PROJECT_ID}/r/app',
        _REF: '$_IMAGE:build-$BUILD_ID',
      },
    });
    expect(s.expand('${_REF}', 'images[0]')).toBe(
      'us-docker.pkg.dev/my-project/r/app:build-6f7d4c2e-0b1a-4c5d-9e8f-0123456789ab',
    );
    s.checkAllUsed();
  });

  test('without dynamic substitutions a user value is used as written', () => {
    const s = createSubstitutor({ builtins, defaults: { _IMAGE: 'r/${PROJECT_ID}' } });
    expect(s.expand('$_IMAGE', 'images[0]')).toBe('r/${PROJECT_ID}');
  });

  test('a user substitution referring to itself stops the build', () => {
    const s = createSubstitutor({ builtins, dynamic: true, defaults: { _A: '$_B', _B: 'x$_A' } });
    expect(errorOf(() => s.expand('$_A', 'x')).message).toMatch(/_A → _B → _A/);
  });
});

describe('MUST_MATCH (default) and ALLOW_LOOSE', () => {
  test.each([
    ['$_UNDEFINED', /substitution _UNDEFINED is not defined/],
    ['echo $HOME', /\$HOME is not a valid built-in substitution .*\$\$HOME/],
    ['${NOPE}', /\$NOPE is not a valid built-in/],
  ])('%s stops the build, naming it', (text, message) => {
    const err = errorOf(() => createSubstitutor({ builtins }).expand(text, 'steps[1].env[0]'));
    expect(err.code).toBe(CloudBuildConfigErrorCode.BAD_SUBSTITUTION);
    expect(err.message).toMatch(/^steps\[1\]\.env\[0\]: /);
    expect(err.message).toMatch(message);
  });

  test('an unused user substitution stops the build', () => {
    const s = createSubstitutor({ builtins, defaults: { _USED: 'a', _UNUSED: 'b' } });
    s.expand('$_USED', 'x');
    expect(errorOf(() => s.checkAllUsed()).message).toMatch(/_UNUSED is not used/);
  });

  test('ALLOW_LOOSE: unknown variables are empty, unused ones allowed', () => {
    const s = createSubstitutor({
      builtins,
      defaults: { _UNUSED: 'b' },
      option: 'ALLOW_LOOSE',
    });
    expect(s.expand('[$_UNDEFINED][$HOME]', 'x')).toBe('[][]');
    expect(() => s.checkAllUsed()).not.toThrow();
  });

  test.each([['_lower'], ['NO_UNDERSCORE'], ['_BAD-DASH'], ['_']])(
    'user substitution key %s is refused',
    (key) => {
      const err = errorOf(() => createSubstitutor({ builtins, defaults: { [key]: 'v' } }));
      expect(err.message).toMatch(/start with "_" followed by uppercase/);
    },
  );

  test('values over the documented size are refused', () => {
    const err = errorOf(() =>
      createSubstitutor({ builtins, defaults: { _BIG: 'x'.repeat(4001) } }),
    );
    expect(err.message).toMatch(/_BIG: value longer than 4000 bytes/);
  });
});

/** Bash itself, to check that each expansion row means what bash means. */
function bash(value: string, expansion: string): string {
  return execFileSync('bash', ['-c', `V="$1"; printf '%s' "\${V${expansion}}"`, 'bash', value], {
    encoding: 'utf8',
  });
}

describe('bash expansions (dynamicSubstitutions: true)', () => {
  // [value, expansion after the name, expected]
  const rows: Array<[string, string, string]> = [
    ['0123456789abcdef', ':0:7', '0123456'],
    ['0123456789abcdef', ':10', 'abcdef'],
    ['0123456789abcdef', ': -4', 'cdef'],
    ['0123456789abcdef', ':2:-10', '2345'],
    ['gs://bucket/models/', '%/', 'gs://bucket/models'],
    ['gs://bucket/models', '%/', 'gs://bucket/models'],
    ['gs://bucket/a/b.onnx', '%/*', 'gs://bucket/a'],
    ['gs://bucket/a/b.onnx', '%%/*', 'gs:'],
    ['gs://bucket/a/b.onnx', '#*/', '/bucket/a/b.onnx'],
    ['gs://bucket/a/b.onnx', '##*/', 'b.onnx'],
    ['v1.2.3', '#v', '1.2.3'],
    ['my-app-v2', '%-*', 'my-app'],
    ['a.b(c)+d', '/(c)+/-', 'a.b-d'],
    ['file.tar.gz', '%.*', 'file.tar'],
    ['file.tar.gz', '%%.*', 'file'],
    ['feature/Login-Page', '/\\//-', 'feature-Login-Page'],
    ['a/b/c', '//\\//-', 'a-b-c'],
    // Bash splits at the first `/` even inside a class: the pattern is `[`, never found.
    ['a/b/c', '//[/]/_', 'a/b/c'],
    ['refs/heads/main', '/#refs\\/heads\\//', 'main'],
    ['image:latest', '/%latest/stable', 'image:stable'],
    ['aXbXc', '//X', 'abc'],
    ['banana', '/a?a/_', 'b_na'],
    ['banana', '//[!a]/-', '-a-a-a'],
    ['feature/Login-Page', '^^', 'FEATURE/LOGIN-PAGE'],
    ['feature/Login-Page', ',,', 'feature/login-page'],
    ['main', '^', 'Main'],
    ['MAIN', ',', 'mAIN'],
    ['', '^^', ''],
  ];

  test.each(rows)('V=%j: ${V%s}', (value, op, expected) => {
    const s = createSubstitutor({ builtins, dynamic: true, defaults: { _V: value } });
    expect(s.expand(`\${_V${op}}`, 'x')).toBe(expected);
    expect(bash(value, op)).toBe(expected);
  });

  test.each([
    [':-default', /unsupported expansion \$\{_V:-default\}: default/],
    [':=x', /default and alternate/],
    ['^^[a-c]', /case changes with a pattern/],
    ['@Q', /not a bash expansion Cloud Build supports/],
    [':x', /offset must be an integer/],
  ])('${_V%s} stops the build, naming it', (op, message) => {
    const s = createSubstitutor({ builtins, dynamic: true, defaults: { _V: 'v' } });
    const err = errorOf(() => s.expand(`\${_V${op}}`, 'steps[0].args[2]'));
    expect(err.code).toBe(CloudBuildConfigErrorCode.BAD_SUBSTITUTION);
    expect(err.message).toMatch(message);
  });

  test.each([
    ['${#_V}', /no variable name/],
    ['${!_V}', /no variable name/],
    ['${_V', /unterminated/],
  ])('%s stops the build', (text, message) => {
    const s = createSubstitutor({ builtins, dynamic: true, defaults: { _V: 'v' } });
    expect(errorOf(() => s.expand(text, 'x')).message).toMatch(message);
  });

  test('without dynamicSubstitutions an expansion is refused, not passed through', () => {
    const s = createSubstitutor({ builtins, defaults: { _V: 'a/' } });
    expect(errorOf(() => s.expand('${_V%/}', 'x')).message).toMatch(
      /needs options.dynamicSubstitutions: true/,
    );
  });
});
