import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from './helpers/repo-root';

// The built CLI, as people run it (turbo builds before testing).
const CLI = join(__dirname, '../dist/local-build-plan-cli.js');

/*
 * A repository of its own holding this cloudbuild.yaml: the suite also runs in exported
 * trees (a local Cloud Build's check step) that have no git history to plan a commit of.
 */
let repo: string;
beforeAll(() => {
  repo = mkdtempSync(join(tmpdir(), 'build-plan-'));
  copyFileSync(join(REPO_ROOT, 'cloudbuild.yaml'), join(repo, 'cloudbuild.yaml'));
  const git = (...args: string[]) =>
    execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args], {
      cwd: repo,
      stdio: 'ignore',
    });
  git('init', '--quiet', '--initial-branch=main');
  git('add', 'cloudbuild.yaml');
  git('commit', '--quiet', '--message=config');
});
afterAll(() => rmSync(repo, { recursive: true, force: true }));

function run(args: string[]) {
  return spawnSync(process.execPath, [CLI, '--repo-root', repo, ...args], { encoding: 'utf8' });
}

describe('local-build-plan', () => {
  test("prints the plan of the repository's cloudbuild.yaml", () => {
    const r = run(['--build-id', 'b-7', '--substitution', '_IMAGE=127.0.0.1:5000/m/api']);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^step install: node:24-bookworm \(starts at once\)$/m);
    expect(r.stdout).toMatch(
      /^step image: gcr\.io\/cloud-builders\/docker \(after install, check, fetch-model\)$/m,
    );
    expect(r.stdout).toMatch(/^image 127\.0\.0\.1:5000\/m\/api:build-b-7$/m);
    expect(r.stdout).toMatch(/^notice: options\.machineType has no effect locally/m);
    const sha = execFileSync('git', ['rev-parse', 'HEAD'], { cwd: repo, encoding: 'utf8' }).trim();
    expect(r.stdout).toContain(`--build-arg=COMMIT_SHA=${sha}`);
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
