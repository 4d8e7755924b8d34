import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseBuildConfig } from '../../src/cloud-build/build-config';
import { planBuild } from '../../src/cloud-build/build-plan';
import { REPO_ROOT } from '../helpers/repo-root';

const builtins = {
  PROJECT_ID: 'maskops-local',
  BUILD_ID: 'b-1',
  COMMIT_SHA: 'c0ffee0c0ffee0c0ffee0c0ffee0c0ffee0c0ff',
  SHORT_SHA: 'c0ffee0',
  BRANCH_NAME: 'main',
};

function plan(text: string, overrides: Record<string, string> = {}) {
  return planBuild(parseBuildConfig(text), { builtins, overrides });
}

function messageOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    return (err as Error).message;
  }
  throw new Error('expected an error');
}

describe('planBuild', () => {
  test('the waitFor graph, timeouts, env and substitutions of a config', () => {
    const p = plan(readFileSync(join(__dirname, '../fixtures/cloud-build/graph.yaml'), 'utf8'));
    expect(p.steps.map((s) => [s.label, s.waitFor, s.timeoutMs])).toEqual([
      ['first', [], undefined],
      ['parallel', [], 90_000],
      ['step #2', [0, 1], undefined],
      ['last', [0, 1], 1500],
    ]);
    expect(p.steps[0].args).toEqual(['echo', 'hello']);
    expect(p.steps[2]).toMatchObject({
      dir: 'sub/dir',
      entrypoint: 'bash',
      env: ['GLOBAL=1', 'A=$HOME'],
      args: ['-c', 'echo $A'],
    });
    expect(p.timeoutMs).toBe(1_200_000);
    expect(p.substitutions).toMatchObject({ _GREETING: 'hello', BRANCH_NAME: 'main' });
  });

  test.each([
    ["waitFor: ['later']", /steps\[0\]\.waitFor\[0\]: "later" is not the id of an earlier step/],
    ["waitFor: ['-', 'x']", /"-" must be alone/],
    ['timeout: 10m', /steps\[0\]\.timeout: "10m" is not a duration like "600s"/],
  ])('%s is refused', (field, message) => {
    expect(
      messageOf(() => plan(`steps:\n  - name: n\n    ${field}\n  - id: later\n    name: n\n`)),
    ).toMatch(message);
  });

  test('duplicate ids and an over-long build timeout are refused', () => {
    expect(messageOf(() => plan('steps:\n  - {id: a, name: n}\n  - {id: a, name: n}\n'))).toMatch(
      /steps\[1\]\.id: "a" is already the id/,
    );
    expect(messageOf(() => plan('steps: [{name: n}]\ntimeout: 86401s\n'))).toMatch(
      /at most 24 hours/,
    );
  });

  test('substitution errors name the step field', () => {
    expect(messageOf(() => plan('steps: [{name: n, args: [a, $HOME]}]\n'))).toMatch(
      /^steps\[0\]\.args\[1\]: \$HOME is not a valid built-in substitution/,
    );
    expect(messageOf(() => plan('steps: [{name: n}]\nsubstitutions: {_X: x}\n'))).toMatch(
      /_X is not used/,
    );
  });

  test('automapSubstitutions puts every substitution in the env, so none is unused', () => {
    const p = plan(
      'steps: [{name: n}]\nsubstitutions: {_X: x}\noptions: {automapSubstitutions: true}\n',
    );
    expect(p.steps[0].env).toEqual(expect.arrayContaining(['_X=x', 'BUILD_ID=b-1']));
  });

  test("the repository's cloudbuild.yaml plans with today's substitutions", () => {
    const text = readFileSync(join(REPO_ROOT, 'cloudbuild.yaml'), 'utf8');
    const p = plan(text, {
      _IMAGE: '127.0.0.1:5000/maskops/inference-api',
      _RUN_TESTS: 'false',
      _MODEL_URI: 'gs://models/shapes/',
    });
    expect(p.steps.map((s) => [s.label, s.name, s.waitFor])).toEqual([
      ['install', 'node:24-bookworm', []],
      ['check', 'node:24-bookworm', [0]],
      ['fetch-model', 'gcr.io/google.com/cloudsdktool/cloud-sdk:slim', [0, 1]],
      ['image', 'gcr.io/cloud-builders/docker', [0, 1, 2]],
    ]);
    expect(p.steps[1].env).toEqual(['TURBO_TELEMETRY_DISABLED=1', 'DEMO_MODEL_BEHAVIOUR=shapes']);
    expect(p.steps[1].args[3]).toContain('if [ "false" = "true" ]; then');
    // dynamicSubstitutions: `${_MODEL_URI%/}` loses its trailing slash before bash sees it.
    expect(p.steps[2].args[3]).toContain('gcloud storage cp -r "gs://models/shapes/*" model/');
    expect(p.steps[3].args).toContain(
      '--build-arg=COMMIT_SHA=c0ffee0c0ffee0c0ffee0c0ffee0c0ffee0c0ff',
    );
    expect(p.steps[3].args).toContain('--tag=127.0.0.1:5000/maskops/inference-api:build-b-1');
    expect(p.images).toEqual(['127.0.0.1:5000/maskops/inference-api:build-b-1']);
    expect(p.timeoutMs).toBe(3_600_000);
    expect(p.notices).toHaveLength(2);
  });

  test("cloudbuild.yaml's defaults put the project in _IMAGE (a user value referring to a built-in)", () => {
    const p = plan(readFileSync(join(REPO_ROOT, 'cloudbuild.yaml'), 'utf8'));
    expect(p.images).toEqual([
      'us-central1-docker.pkg.dev/maskops-local/maskops/inference-api:build-b-1',
    ]);
  });
});
