import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const root = join(__dirname, '..', '..', '..', '..');
const script = join(root, 'infra', 'gcp', 'setup.sh');

function dryRun(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync('bash', [script, '--dry-run', ...args], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}
const commands = (out: string): string[] =>
  out
    .split('\n')
    .filter((l) => l.startsWith('+ '))
    .map((l) => l.slice(2));

describe('infra/gcp/setup.sh --dry-run', () => {
  const { status, stdout } = dryRun(
    '--project',
    'demo-proj-1',
    '--github-owner',
    'acme',
    '--github-repo',
    'maskops',
    '--model-uri',
    'gs://models-bucket/mrcnn',
  );
  const cmds = commands(stdout);

  it('exits 0 and runs nothing', () => {
    expect(status).toBe(0);
    expect(cmds.length).toBeGreaterThan(10);
  });

  it('checks before creating each resource, so a second run changes nothing', () => {
    const creates = cmds.filter(
      (c) => / (create|create-auto) /.test(c) && !c.startsWith('gcloud builds submit'),
    );
    const checks = stdout.split('\n').filter((l) => l.startsWith('? '));
    expect(creates.length).toBe(checks.length - 1); // project describe is a lookup, not a guard
    for (const c of creates) {
      const resource = c.split(' ').slice(0, 3).join(' ');
      expect(checks.some((l) => l.startsWith(`? ${resource.replace(/ create.*$/, '')}`))).toBe(
        true,
      );
    }
  });

  it('enables the APIs, creates the repository, cluster, topic and service account', () => {
    expect(cmds).toEqual(
      expect.arrayContaining([
        expect.stringMatching(
          /^gcloud services enable .*container\.googleapis\.com.*cloudbuild\.googleapis\.com/,
        ),
        expect.stringMatching(
          /^gcloud artifacts repositories create maskops --repository-format=docker --location us-central1/,
        ),
        expect.stringMatching(
          /^gcloud container clusters create-auto maskops --location us-central1/,
        ),
        'gcloud pubsub topics create cloud-builds --project demo-proj-1',
        expect.stringMatching(/^gcloud iam service-accounts create maskops-deployer /),
      ]),
    );
  });

  it('grants the deployer least privilege: cluster viewer, event receiver, invoker — no editor or owner', () => {
    const roles = cmds
      .filter((c) => c.includes('add-iam-policy-binding demo-proj-1'))
      .map((c) => /--role (\S+)/.exec(c)![1]);
    expect(roles.sort()).toEqual([
      'roles/container.clusterViewer',
      'roles/eventarc.eventReceiver',
      'roles/run.invoker',
    ]);
    expect(stdout).not.toMatch(/roles\/(editor|owner|container\.admin)/);
  });

  it('deploys the function as a retried 2nd gen Pub/Sub function with the full env', () => {
    const deploy = cmds.find((c) => c.startsWith('gcloud functions deploy'))!;
    expect(deploy).toMatch(/--gen2 /);
    expect(deploy).toMatch(/--entry-point onNewImage /);
    expect(deploy).toMatch(/--trigger-topic cloud-builds /);
    expect(deploy).toMatch(/--retry /);
    for (const v of [
      'PROJECT=demo-proj-1',
      'ZONE=us-central1',
      'CLUSTER=maskops',
      'DEPLOYMENT=inference-api',
      'CONTAINER=inference-api',
      'IMAGE=us-central1-docker.pkg.dev/demo-proj-1/maskops/inference-api',
    ]) {
      expect(deploy).toContain(v);
    }
  });

  it('creates the trigger and lets Cloud Build read the model bucket', () => {
    expect(
      cmds.some(
        (c) =>
          c.startsWith('gcloud builds triggers create github --name maskops') &&
          c.includes('--repo-owner acme'),
      ),
    ).toBe(true);
    expect(
      cmds.some((c) =>
        c.startsWith('gcloud storage buckets add-iam-policy-binding gs://models-bucket '),
      ),
    ).toBe(true);
  });

  it('honours another topic, location and namespace', () => {
    const r = dryRun(
      '--project',
      'demo-proj-1',
      '--topic',
      'cloud-build',
      '--location',
      'europe-west1-b',
      '--namespace',
      'ml',
    );
    expect(r.status).toBe(0);
    const deploy = commands(r.stdout).find((c) => c.startsWith('gcloud functions deploy'))!;
    expect(deploy).toMatch(/--trigger-topic cloud-build /);
    expect(deploy).toContain('ZONE=europe-west1-b');
    expect(deploy).toContain('NAMESPACE=ml');
  });

  it.each([
    [[], /--project .* is required/],
    [['--project', 'Bad_Project'], /not a valid project id/],
    [['--project', 'demo-proj-1', '--model-uri', 'http://x'], /gs:\/\/ URI/],
    [['--project', 'demo-proj-1', '--bogus'], /unknown option --bogus/],
  ])('refuses bad arguments %j', (args, message) => {
    const r = dryRun(...(args as string[]));
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(message);
  });

  const hasShellcheck = spawnSync('shellcheck', ['--version']).status === 0;
  (hasShellcheck || process.env.CI === 'true' ? it : it.skip)('is shellcheck-clean', () => {
    const r = spawnSync('shellcheck', [script], { encoding: 'utf8' });
    expect(r.stdout + r.stderr).toBe('');
    expect(r.status).toBe(0);
  });
});
