import { CloudBuildConfigErrorCode } from '../../src/cloud-build/errors';
import { parseBuildConfig } from '../../src/cloud-build/build-config';

function refusal(text: string): { code: string; message: string } {
  try {
    parseBuildConfig(text);
  } catch (err) {
    return err as { code: string; message: string };
  }
  throw new Error('expected the config to be refused');
}

const STEP = `steps:\n  - name: debian\n`;

describe('parseBuildConfig', () => {
  test('reads the fields as written and defaults the rest', () => {
    const c = parseBuildConfig(
      `${STEP}    id: a\n    args: [x, '$_V']\n    env: ['K=v']\n    volumes: [{name: cache, path: /cache}]\n` +
        `substitutions: {_V: '1'}\nimages: ['r/app:1']\ntags: [t]\ntimeout: 60s\n`,
    );
    expect(c.steps[0]).toEqual({
      name: 'debian',
      id: 'a',
      args: ['x', '$_V'],
      env: ['K=v'],
      volumes: [{ name: 'cache', path: '/cache' }],
      allowFailure: false,
      allowExitCodes: [],
    });
    expect(c).toMatchObject({
      images: ['r/app:1'],
      substitutions: { _V: '1' },
      tags: ['t'],
      timeout: '60s',
      options: { dynamicSubstitutions: false, substitutionOption: 'MUST_MATCH', env: [] },
      notices: [],
    });
  });

  test.each([
    [`${STEP}    wait_for: ['-']\n`, /steps\[0\]: field "wait_for" is not a Cloud Build field/],
    [`${STEP}stepz: []\n`, /build: field "stepz" is not a Cloud Build field/],
    [
      `${STEP}options: {dynamicSubstitution: true}\n`,
      /options: field "dynamicSubstitution" is not/,
    ],
    [`${STEP}    secretEnv: [TOKEN]\n`, /steps\[0\]: field "secretEnv" needs Secret Manager/],
    [`${STEP}availableSecrets: {}\n`, /build: field "availableSecrets" needs Secret Manager/],
    [`${STEP}artifacts: {}\n`, /build: field "artifacts" uploads/],
  ])('an unknown or unsupported field stops, naming it (%#)', (text, message) => {
    const err = refusal(text);
    expect(err.code).toBe(CloudBuildConfigErrorCode.UNSUPPORTED_FIELD);
    expect(err.message).toMatch(message);
  });

  test.each([
    ['steps: []\n', /steps: at least one step/],
    ['steps:\n  - args: [x]\n', /steps\[0\]\.name: must be a string/],
    [`${STEP}    args: [1]\n`, /steps\[0\]\.args\[0\]: must be a string/],
    [`${STEP}    env: ['NOEQUALS']\n`, /steps\[0\]\.env\[0\]: "NOEQUALS" is not KEY=VALUE/],
    [`${STEP}    script: x\n    args: [y]\n`, /script and args cannot both be set/],
    [`${STEP}    volumes: [{name: w, path: /workspace/x}]\n`, /outside \/workspace/],
    [`${STEP}substitutions: {_N: 5}\n`, /substitutions\._N \(quote it: '5'\): must be a string/],
    [`${STEP}options: {substitutionOption: LOOSE}\n`, /must be MUST_MATCH or ALLOW_LOOSE/],
    [
      `${STEP}options: {dynamicSubstitutions: 'yes'}\n`,
      /dynamicSubstitutions: must be true or false/,
    ],
    [`${STEP}steps: []\n`, /not YAML: .*[Mm]ap keys must be unique/],
    ['- just a list\n', /build config: must be a mapping/],
  ])('a malformed config stops, naming the field (%#)', (text, message) => {
    const err = refusal(text);
    expect(err.code).toBe(CloudBuildConfigErrorCode.INVALID_CONFIG);
    expect(err.message).toMatch(message);
  });

  test('fields without local effect are named in notices', () => {
    const c = parseBuildConfig(
      `${STEP}options: {machineType: E2_HIGHCPU_8, logging: CLOUD_LOGGING_ONLY}\nserviceAccount: projects/p/serviceAccounts/b@p.iam.gserviceaccount.com\n`,
    );
    expect(c.notices).toEqual([
      'build.serviceAccount has no effect locally: steps use the local stand-ins',
      'options.machineType has no effect locally: steps run on this machine',
      'options.logging has no effect locally: the build log is a local file',
    ]);
  });

  test('the JSON form parses too', () => {
    const c = parseBuildConfig(JSON.stringify({ steps: [{ name: 'n', args: ['a'] }] }));
    expect(c.steps[0].args).toEqual(['a']);
  });
});
