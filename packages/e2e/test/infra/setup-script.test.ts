/**
 * infra/gcp/setup.sh cannot run against Google Cloud here; its dry run prints every
 * command it would run ("+ "), every existence check that guards a create ("? ") and
 * every value it would look up ("= "). These tests read that output.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { root } from '../helpers/infra-files';

const script = join(root, 'infra', 'gcp', 'setup.sh');

function dryRun(...args: string[]): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync('bash', [script, '--dry-run', ...args], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH },
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}
const lines = (out: string, prefix: string): string[] =>
  out
    .split('\n')
    .filter((l) => l.startsWith(prefix))
    .map((l) => l.slice(prefix.length));
const commands = (out: string): string[] => lines(out, '+ ');

const PROJECT = ['--project', 'demo-proj-1'];
const DEPLOYER = 'maskops-deployer@demo-proj-1.iam.gserviceaccount.com';
const BUILDER = 'maskops-build@demo-proj-1.iam.gserviceaccount.com';

describe('infra/gcp/setup.sh --dry-run', () => {
  const { status, stdout } = dryRun(
    ...PROJECT,
    '--github-owner',
    'acme',
    '--github-repo',
    'maskops',
    '--model-uri',
    'gs://models-bucket/mrcnn',
  );
  const cmds = commands(stdout);
  const find = (prefix: string): string => {
    const found = cmds.filter((c) => c.startsWith(prefix));
    expect([prefix, found.length]).toEqual([prefix, 1]);
    return found[0];
  };
  const deploy = (): string => find('gcloud functions deploy');
  const projectRoles = (member: string): string[] =>
    cmds
      .filter(
        (c) =>
          c.startsWith('gcloud projects add-iam-policy-binding demo-proj-1') &&
          c.includes(`--member serviceAccount:${member} `),
      )
      .map((c) => /--role (\S+)/.exec(c)![1])
      .sort();

  it('exits 0 and runs nothing', () => {
    expect(status).toBe(0);
    expect(cmds.length).toBeGreaterThan(10);
  });

  it('checks before creating each resource, so a second run changes nothing', () => {
    const creates = cmds.filter(
      (c) => / (create|create-auto) /.test(c) && !c.startsWith('gcloud builds submit'),
    );
    const checks = lines(stdout, '? ');
    expect(creates.length).toBe(checks.length);
    for (const c of creates) {
      const resource = c.split(' ').slice(0, 3).join(' ');
      expect(checks.some((l) => l.startsWith(resource.replace(/ create.*$/, '')))).toBe(true);
    }
  });

  it('enables the APIs, creates the repository, a regional cluster, the topics and the service accounts', () => {
    expect(cmds).toEqual(
      expect.arrayContaining([
        expect.stringMatching(
          /^gcloud services enable .*container\.googleapis\.com.*cloudbuild\.googleapis\.com.*iam\.googleapis\.com/,
        ),
        expect.stringMatching(
          /^gcloud artifacts repositories create maskops --repository-format=docker --location us-central1/,
        ),
        expect.stringMatching(
          /^gcloud container clusters create-auto maskops --location us-central1 /,
        ),
        'gcloud pubsub topics create cloud-builds --project demo-proj-1',
        'gcloud pubsub topics create maskops-deployer-dead-letter --project demo-proj-1',
        expect.stringMatching(/^gcloud iam service-accounts create maskops-deployer /),
        expect.stringMatching(/^gcloud iam service-accounts create maskops-build /),
      ]),
    );
  });

  it('grants the deployer only cluster viewer on the project, and invoker on its own function', () => {
    expect(projectRoles(DEPLOYER)).toEqual(['roles/container.clusterViewer']);
    expect(stdout).not.toMatch(/roles\/(editor|owner|container\.admin|eventarc\.eventReceiver)/);
    expect(find('gcloud functions add-invoker-policy-binding')).toBe(
      `gcloud functions add-invoker-policy-binding maskops-deployer --region us-central1 --project demo-proj-1 --member serviceAccount:${DEPLOYER}`,
    );
    expect(cmds.filter((c) => c.includes('roles/run.invoker'))).toEqual([]);
  });

  it('runs builds as a dedicated service account with what a build needs', () => {
    expect(projectRoles(BUILDER)).toEqual([
      'roles/artifactregistry.writer',
      'roles/cloudbuild.builds.builder',
      'roles/logging.logWriter',
    ]);
    expect(find('gcloud storage buckets add-iam-policy-binding gs://models-bucket ')).toContain(
      `--member serviceAccount:${BUILDER} --role roles/storage.objectViewer`,
    );
    expect(stdout).not.toContain('@cloudbuild.gserviceaccount.com');
    const resource = `projects/demo-proj-1/serviceAccounts/${BUILDER}`;
    expect(find('gcloud builds submit')).toContain(`--service-account ${resource} `);
    expect(find('gcloud builds triggers create github')).toContain(
      `--service-account ${resource} `,
    );
    expect(deploy()).toContain(`--build-service-account ${resource} `);
    // The person running the script must be able to act as both accounts.
    expect(lines(stdout, '= ')).toEqual(
      expect.arrayContaining([
        `iam.serviceAccounts.actAs on ${BUILDER} (serviceAccounts.testIamPermissions)`,
        `iam.serviceAccounts.actAs on ${DEPLOYER} (serviceAccounts.testIamPermissions)`,
      ]),
    );
  });

  it('takes an existing build service account instead of creating one', () => {
    const sa = 'ci-builds@demo-proj-1.iam.gserviceaccount.com';
    const r = dryRun(...PROJECT, '--build-service-account', sa);
    expect(r.status).toBe(0);
    const cmds2 = commands(r.stdout);
    expect(
      cmds2.some((c) => c.startsWith('gcloud iam service-accounts create maskops-build')),
    ).toBe(false);
    expect(cmds2.find((c) => c.startsWith('gcloud builds submit'))).toContain(
      `--service-account projects/demo-proj-1/serviceAccounts/${sa} `,
    );
  });

  it('gives the first, trigger-less build a valid tag and applies that image first', () => {
    const tag = /_IMAGE_TAG=(manual-\d{8}-\d{6})\\,/.exec(find('gcloud builds submit'))?.[1];
    expect(tag).toBeDefined();
    expect(stdout).toContain(
      `IMAGE_PLACEHOLDER=us-central1-docker.pkg.dev/demo-proj-1/maskops/inference-api:${tag}`,
    );
    expect(stdout).not.toContain('_NOTIFY_TOPIC');
  });

  it('deploys the function as a retried, internal-only 2nd gen Pub/Sub function with the full env', () => {
    const d = deploy();
    for (const flag of [
      '--gen2',
      '--entry-point onNewImage',
      '--trigger-topic cloud-builds',
      '--retry',
      '--ingress-settings internal-only',
      `--trigger-service-account ${DEPLOYER}`,
      '--timeout 540s',
      '--max-instances 1',
    ]) {
      expect(d).toContain(`${flag} `);
    }
    for (const v of [
      'PROJECT=demo-proj-1',
      'ZONE=us-central1',
      'CLUSTER=maskops',
      'DEPLOYMENT=inference-api',
      'CONTAINER=inference-api',
      'IMAGE=us-central1-docker.pkg.dev/demo-proj-1/maskops/inference-api',
      'ROLLOUT_TIMEOUT_SECONDS=480',
    ]) {
      expect(d).toContain(v);
    }
  });

  it("sets a dead-letter topic on the trigger's subscription after every deploy", () => {
    const after = cmds.slice(cmds.indexOf(deploy()));
    const agent = 'serviceAccount:service-PROJECT_NUMBER@gcp-sa-pubsub.iam.gserviceaccount.com';
    expect(after).toEqual(
      expect.arrayContaining([
        'gcloud pubsub subscriptions update SUBSCRIPTION --project demo-proj-1 --dead-letter-topic projects/demo-proj-1/topics/maskops-deployer-dead-letter --max-delivery-attempts 15',
        `gcloud pubsub subscriptions add-iam-policy-binding SUBSCRIPTION --project demo-proj-1 --member ${agent} --role roles/pubsub.subscriber`,
      ]),
    );
    expect(cmds).toContain(
      `gcloud pubsub topics add-iam-policy-binding maskops-deployer-dead-letter --project demo-proj-1 --member ${agent} --role roles/pubsub.publisher`,
    );
    // The subscription is the one Eventarc made for the function's trigger.
    expect(lines(stdout, '= ')).toEqual(
      expect.arrayContaining([
        expect.stringMatching(
          /^gcloud functions describe maskops-deployer --gen2 .*eventTrigger\.trigger/,
        ),
        expect.stringMatching(
          /^gcloud eventarc triggers describe TRIGGER .*transport\.pubsub\.subscription/,
        ),
      ]),
    );
    // Something must keep what lands on the dead-letter topic.
    expect(find('gcloud pubsub subscriptions create maskops-deployer-dead-letter')).toContain(
      '--topic maskops-deployer-dead-letter',
    );
  });

  it('drops replicas from an older install before applying the manifests', () => {
    const migrate = cmds.findIndex((c) => c.includes('apply set-last-applied'));
    const apply = cmds.findIndex((c) => c.startsWith('kubectl kustomize'));
    expect(migrate).toBeGreaterThan(-1);
    expect(migrate).toBeLessThan(apply);
    expect(cmds[migrate]).toContain('last-applied-without-replicas.mjs');
    expect(existsSync(join(root, 'infra', 'gcp', 'last-applied-without-replicas.mjs'))).toBe(true);
  });

  it('adds the internal load balancer and PodMonitoring components on request only', () => {
    expect(find('kubectl kustomize')).toContain('(components: none)');
    const r = dryRun(...PROJECT, '--internal-lb', '--pod-monitoring');
    expect(r.status).toBe(0);
    expect(commands(r.stdout).find((c) => c.startsWith('kubectl kustomize'))).toContain(
      '(components: ../../infra/k8s/components/internal-lb ../../infra/k8s/components/pod-monitoring)',
    );
  });

  it("is what the deployer README's manual recipe runs, flag for flag", () => {
    const readme = readFileSync(join(root, 'packages', 'deployer-fn', 'README.md'), 'utf8');
    const recipe = (prefix: string): string[] => {
      const command = readme
        .replace(/\\\n\s*/g, '')
        .split('\n')
        .find((l) => l.startsWith(prefix));
      return command!.replaceAll('MY_PROJECT', 'demo-proj-1').trim().split(/\s+/);
    };
    const script = (prefix: string): string[] =>
      find(prefix).replaceAll('\\,', ',').replaceAll(`${root}/`, '').split(' ');
    for (const prefix of [
      'gcloud functions deploy',
      'gcloud functions add-invoker-policy-binding',
    ]) {
      expect(recipe(prefix)).toEqual(script(prefix));
    }
  });

  it('migrates an install whose stable selector lacks the track without dropping traffic', () => {
    const at = (prefix: string) => cmds.findIndex((c) => c.startsWith(prefix));
    const orphan = at('kubectl -n maskops delete deployment inference-api --cascade=orphan');
    const apply = at('kubectl kustomize');
    const wait = at('kubectl -n maskops rollout status deployment/inference-api');
    const drain = at(
      'kubectl -n maskops delete replicaset -l app.kubernetes.io/name=inference-api,!maskops.dev/track',
    );
    // Orphaned pods keep serving until the new stable pods are ready; then they go.
    expect([orphan, apply, wait, drain].every((i) => i >= 0)).toBe(true);
    expect(orphan).toBeLessThan(apply);
    expect(apply).toBeLessThan(wait);
    expect(wait).toBeLessThan(drain);
    expect(lines(stdout, '= ')).toEqual(
      expect.arrayContaining([expect.stringContaining('matchLabels.maskops\\.dev/track')]),
    );
  });

  it('sets up no canary without --canary', () => {
    expect(cmds.some((c) => c.includes('gcloud tasks'))).toBe(false);
    expect(deploy()).not.toContain('ROLLOUT_STRATEGY');
  });

  describe('--canary', () => {
    const r = dryRun(...PROJECT, '--canary');
    const c = commands(r.stdout);
    const checks = lines(r.stdout, '? ');
    const roles = c
      .filter((x) => x.includes(`--member serviceAccount:${DEPLOYER} `) && x.includes('--role'))
      .map((x) => /--role (\S+)/.exec(x)![1])
      .sort();

    it('creates the step queue after checking for it, with the APIs it needs', () => {
      expect(r.status).toBe(0);
      expect(checks).toContain(
        'gcloud tasks queues describe maskops-canary --location us-central1 --project demo-proj-1',
      );
      expect(
        c.some((x) =>
          x.startsWith('gcloud tasks queues create maskops-canary --location us-central1 '),
        ),
      ).toBe(true);
      expect(c).toContain(
        'gcloud services enable cloudtasks.googleapis.com monitoring.googleapis.com --project demo-proj-1',
      );
    });

    it('grants the deployer enqueuer, metrics viewer and actAs on itself (OIDC tokens)', () => {
      expect(roles).toEqual([
        'roles/cloudtasks.enqueuer',
        'roles/container.clusterViewer',
        'roles/iam.serviceAccountUser',
        'roles/monitoring.viewer',
      ]);
      expect(c).toContain(
        `gcloud iam service-accounts add-iam-policy-binding ${DEPLOYER} --project demo-proj-1 --member serviceAccount:${DEPLOYER} --role roles/iam.serviceAccountUser`,
      );
    });

    it('deploys the function with the canary settings and scrapes the pods', () => {
      const d = c.find((x) => x.startsWith('gcloud functions deploy'))!.replaceAll('\\,', ',');
      for (const v of [
        'ROLLOUT_STRATEGY=canary',
        'PROMETHEUS_QUERY_URL=https://monitoring.googleapis.com/v1/projects/demo-proj-1/location/global/prometheus',
        'CANARY_TASKS_QUEUE=projects/demo-proj-1/locations/us-central1/queues/maskops-canary',
        'FUNCTION_URL=https://us-central1-demo-proj-1.cloudfunctions.net/maskops-deployer',
        `CANARY_TASKS_SERVICE_ACCOUNT=${DEPLOYER}`,
      ]) {
        expect(d).toContain(v);
      }
      expect(c.find((x) => x.startsWith('kubectl kustomize'))).toContain(
        'components/pod-monitoring',
      );
    });
  });

  it('honours another region and namespace', () => {
    const r = dryRun(...PROJECT, '--region', 'europe-west1', '--namespace', 'ml');
    expect(r.status).toBe(0);
    const d = commands(r.stdout).find((c) => c.startsWith('gcloud functions deploy'))!;
    expect(d).toContain('--region europe-west1 ');
    expect(d).toContain('ZONE=europe-west1');
    expect(d).toContain('IMAGE=europe-west1-docker.pkg.dev/demo-proj-1/maskops/inference-api');
    expect(d).toContain('NAMESPACE=ml');
  });

  it.each([
    [[], /--project .* is required/],
    [['--project', 'Bad_Project'], /not a valid project id/],
    [[...PROJECT, '--model-uri', 'http://x'], /gs:\/\/ URI/],
    [[...PROJECT, '--bogus'], /unknown option --bogus/],
    [
      [...PROJECT, '--location', 'us-central1-a'],
      /"us-central1-a" is a zone.*\(e\.g\. us-central1\)/,
    ],
    [[...PROJECT, '--region', 'europe-west1-b'], /"europe-west1-b" is a zone/],
    [[...PROJECT, '--build-service-account', 'builder'], /service account email/],
  ])('refuses bad arguments %j', (args, message) => {
    const r = dryRun(...args);
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(message);
    expect(commands(r.stdout)).toEqual([]);
  });

  const hasShellcheck = spawnSync('shellcheck', ['--version']).status === 0;
  (hasShellcheck || process.env.CI === 'true' ? it : it.skip)('is shellcheck-clean', () => {
    const r = spawnSync('shellcheck', [script], { encoding: 'utf8' });
    expect(r.stdout + r.stderr).toBe('');
    expect(r.status).toBe(0);
  });
});
