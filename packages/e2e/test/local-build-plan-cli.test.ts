import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { REPO_ROOT } from './helpers/repo-root';

// The built CLI, as people run it (turbo builds before testing).
const CLI = join(__dirname, '../dist/local-build-plan-cli.js');

function run(args: string[]) {
  return spawnSync(process.execPath, [CLI, '--repo-root', REPO_ROOT, ...args], {
    encoding: 'utf8',
  });
}

describe('local-build-plan', () => {
  test("prints the plan of the repository's cloudbuild.yaml", () => {
    const r = run(['--build-id', 'b-7', '--substitution', '_IMAGE=127.0.0.1:5000/m/api']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^step install: node:20-bookworm \(starts at once\)$/m);
    expect(r.stdout).toMatch(
      /^step image: gcr\.io\/cloud-builders\/docker \(after install, check, fetch-model\)$/m,
    );
    expect(r.stdout).toMatch(/^image 127\.0\.0\.1:5000\/m\/api:build-b-7$/m);
    expect(r.stdout).toMatch(/^notice: options\.machineType has no effect locally/m);
  });

  test('a config Cloud Build would refuse: exit 1, one line naming the field', () => {
    const r = run(['--config', join(__dirname, 'fixtures/cloud-build/unknown-field.yaml')]);
    expect(r.status).toBe(1);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(
      'local-build-plan: steps[0]: field "waitfor" is not a Cloud Build field\n',
    );
  });

  test('an unused --substitution is refused as Cloud Build refuses it', () => {
    const r = run(['--substitution', '_NOT_IN_THE_FILE=x']);
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(/_NOT_IN_THE_FILE is not used in the build config/);
  });

  test('a malformed --substitution is a usage error', () => {
    const r = run(['--substitution', 'novalue']);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/--substitution must be _KEY=VALUE/);
  });
});
