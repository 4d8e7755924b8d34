/**
 * infra/gcp/setup.sh cannot run against Google Cloud here; its dry run prints every
 * command it would run ("+ "), every existence check that guards a create ("? ") and
 * every value it would look up ("= "). These tests read that output.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { read, root, setupLib, setupSh } from '../helpers/infra-files';

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
    // (kubectl creates are guarded by lookups, "= " lines: see the token Secret.)
    const creates = cmds.filter(
      (c) =>
        / (create|create-auto) /.test(c) &&
        !c.startsWith('gcloud builds submit') &&
        !c.startsWith('kubectl'),
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

  it('migrates a client-side-applied install once, handing the deployer its fields first', () => {
    const at = (prefix: string) => cmds.findIndex((c) => c.startsWith(prefix));
    const rename = at('kubectl -n maskops patch KIND NAME --type=json');
    const handOff = cmds.findIndex(
      (c) =>
        c.startsWith('kubectl apply --server-side --field-manager=maskops-deployer -f -') &&
        c.includes('stable replicas (only after that migration)'),
    );
    const apply = at('kubectl kustomize');
    expect(cmds[rename]).toContain('kubectl-client-side-apply/Update entry');
    expect(cmds[rename]).toContain('renamed maskops-setup/Apply');
    expect([rename, handOff, apply].every((i) => i >= 0)).toBe(true);
    expect(rename).toBeLessThan(handOff);
    expect(handOff).toBeLessThan(apply);
    expect(setupLib).toContain('kubectl-client-side-apply/Update/');
  });

  it('applies everything server-side as its own field manager, never forcing conflicts', () => {
    const applies = cmds.filter((c) => / apply /.test(c));
    expect(applies.length).toBeGreaterThanOrEqual(3);
    for (const a of applies) {
      expect(a).toMatch(
        /kubectl apply --server-side --field-manager=maskops-(setup|deployer) -f -/,
      );
    }
    expect(find('kubectl kustomize')).toContain(
      '| kubectl apply --server-side --field-manager=maskops-setup -f -',
    );
    for (const text of [stdout, setupSh, setupLib]) expect(text).not.toContain('--force-conflicts');
    expect(setupSh + setupLib).not.toMatch(/kubectl (-n \S+ )?apply -f/);
  });

  it('on a first install applies the image once, then hands it and the canary replicas to the deployer', () => {
    const apply = cmds.findIndex((c) => c.startsWith('kubectl kustomize'));
    const handOff = cmds.findIndex(
      (c, i) =>
        i > apply && c.startsWith('kubectl apply --server-side --field-manager=maskops-deployer'),
    );
    expect(handOff).toBeGreaterThan(apply);
    expect(cmds[handOff]).toContain('the current image of inference-api and inference-api-canary');
    expect(cmds[apply]).not.toContain('components/reapply');
  });

  it('stores the options in force in the cluster', () => {
    expect(cmds.find((c) => c.includes('# ConfigMap maskops-setup'))).toBe(
      'kubectl apply --server-side --field-manager=maskops-setup -f -   # ConfigMap maskops-setup: exposure=internal domain= canary=false podMonitoring=false modelUri=gs://models-bucket/mrcnn',
    );
    expect(lines(stdout, '= ')).toEqual(
      expect.arrayContaining([
        expect.stringMatching(
          /^kubectl -n maskops get configmap maskops-setup --ignore-not-found /,
        ),
        expect.stringMatching(
          /^kubectl -n maskops get deployment inference-api --ignore-not-found /,
        ),
      ]),
    );
    expect(stdout).toContain(
      '# a new install: exposure internal, canary off, pod monitoring off, model gs://models-bucket/mrcnn',
    );
  });

  it('creates a token Secret once, the token never on a command line, and says how to read it', () => {
    expect(lines(stdout, '= ')).toContain(
      'kubectl -n maskops get secret inference-api-tokens --ignore-not-found -o name',
    );
    expect(find('kubectl -n maskops create secret generic inference-api-tokens')).toBe(
      'kubectl -n maskops create secret generic inference-api-tokens --from-file=tokens=FILE --dry-run=client -o yaml | kubectl -n maskops create -f -   # FILE: a generated token, 32 random bytes in hex (node:crypto)',
    );
    expect(stdout).toContain(
      "#   kubectl -n maskops get secret inference-api-tokens -o jsonpath='{.data.tokens}' | base64 -d",
    );
    // The Secret exists before the pods that mount it.
    expect(cmds.indexOf(find('kubectl -n maskops create secret'))).toBeLessThan(
      cmds.findIndex((c) => c.startsWith('kubectl kustomize')),
    );
    expect(setupLib).toContain("randomBytes(32).toString('hex')");
  });

  it('takes the tokens from a file or from Secret Manager instead', () => {
    const dir = mkdtempSync(join(tmpdir(), 'setup-tokens-'));
    try {
      const file = join(dir, 'tokens.txt');
      writeFileSync(file, `# ours\n${'a'.repeat(64)}\n\n${'B'.repeat(16)}\r\n`);
      const r = dryRun(...PROJECT, '--token-file', file);
      expect([r.status, r.stderr]).toEqual([0, '']);
      expect(commands(r.stdout).find((c) => c.includes('create secret'))).toContain(
        `# FILE: ${file}`,
      );
      const s = dryRun(...PROJECT, '--token-secret', 'maskops-tokens');
      expect(commands(s.stdout).find((c) => c.includes('create secret'))).toContain(
        '# FILE: the latest version of Secret Manager secret maskops-tokens',
      );
      expect(setupLib).toContain('gcloud secrets versions access latest --secret "$TOKEN_SECRET"');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('exposes the Service on an internal load balancer by default', () => {
    expect(find('kubectl kustomize')).toContain(
      '(components: ../../infra/k8s/components/exposure-internal)',
    );
    expect(stdout).toContain(
      '# service (inside the VPC): kubectl -n maskops get service inference-api',
    );
    const r = dryRun(...PROJECT, '--internal-lb', '--pod-monitoring');
    expect(r.status).toBe(0);
    expect(commands(r.stdout).find((c) => c.startsWith('kubectl kustomize'))).toContain(
      '(components: ../../infra/k8s/components/exposure-internal ../../infra/k8s/components/pod-monitoring)',
    );
  });

  it('--exposure public --domain: a Gateway with a Certificate Manager certificate, HTTPS only', () => {
    const r = dryRun(...PROJECT, '--exposure', 'public', '--domain', 'API.Example.com');
    expect([r.status, r.stderr]).toEqual([0, '']);
    const c = commands(r.stdout);
    const checks = lines(r.stdout, '? ');
    const name = 'maskops-api-example-com';
    for (const [check, create] of [
      [
        `gcloud certificate-manager dns-authorizations describe ${name} --project demo-proj-1`,
        `gcloud certificate-manager dns-authorizations create ${name} --domain api.example.com --project demo-proj-1`,
      ],
      [
        `gcloud certificate-manager certificates describe ${name} --project demo-proj-1`,
        `gcloud certificate-manager certificates create ${name} --domains api.example.com --dns-authorizations ${name} --project demo-proj-1`,
      ],
      [
        `gcloud certificate-manager maps describe ${name} --project demo-proj-1`,
        `gcloud certificate-manager maps create ${name} --project demo-proj-1`,
      ],
      [
        `gcloud certificate-manager maps entries describe ${name} --map ${name} --project demo-proj-1`,
        `gcloud certificate-manager maps entries create ${name} --map ${name} --certificates ${name} --hostname api.example.com --project demo-proj-1`,
      ],
    ]) {
      expect(checks).toContain(check);
      expect(c).toContain(create);
    }
    expect(c).toContain(
      'gcloud container clusters update maskops --location us-central1 --project demo-proj-1 --gateway-api=standard',
    );
    const apply = c.find((x) => x.startsWith('kubectl kustomize'))!;
    expect(apply).toContain('(components: ../../infra/k8s/components/exposure-public)');
    expect(apply).toContain(`DOMAIN_PLACEHOLDER=api.example.com, CERTMAP_PLACEHOLDER=${name}`);
    expect(
      c.indexOf(`gcloud certificate-manager maps create ${name} --project demo-proj-1`),
    ).toBeLessThan(c.indexOf(apply));
    expect(r.stdout).toContain('# service: https://api.example.com/ once DNS is set:');
    expect(r.stdout).toContain('domain=api.example.com');
  });

  it('--exposure public-http: opt-in plain HTTP, with a WARNING', () => {
    const r = dryRun(...PROJECT, '--exposure', 'public-http');
    expect(r.status).toBe(0);
    expect(commands(r.stdout).find((c) => c.startsWith('kubectl kustomize'))).toContain(
      '(components: ../../infra/k8s/components/exposure-public-http)',
    );
    expect(r.stderr).toMatch(
      /^setup\.sh: WARNING: .*public-http.*tokens cross the network in clear/,
    );
    expect(dryRun(...PROJECT).stderr).toBe('');
  });

  it('builds only while the Deployment does not exist (or with --rebuild)', () => {
    // A dry run sees a new install: the first build. The rest is in setup-rerun.test.ts.
    expect(find('gcloud builds submit')).toContain('_RUN_TESTS=false');
    expect(setupSh).toMatch(/elif \[ -z "\$CURRENT_IMAGE" \]; then/);
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

    it('grants the deployer enqueuer on the queue only, metrics viewer and actAs on itself (OIDC tokens)', () => {
      expect(roles).toEqual([
        'roles/cloudtasks.enqueuer',
        'roles/container.clusterViewer',
        'roles/iam.serviceAccountUser',
        'roles/monitoring.viewer',
      ]);
      expect(c).toContain(
        `gcloud tasks queues add-iam-policy-binding maskops-canary --location us-central1 --project demo-proj-1 --member serviceAccount:${DEPLOYER} --role roles/cloudtasks.enqueuer`,
      );
      expect(
        c.filter((x) => x.startsWith('gcloud projects add-iam') && x.includes('cloudtasks')),
      ).toEqual([]);
      // An earlier setup.sh's project-wide grant goes, when there is one.
      expect(lines(r.stdout, '= ')).toContain(
        `gcloud projects get-iam-policy demo-proj-1 --flatten=bindings[].members --filter=bindings.role=roles/cloudtasks.enqueuer AND bindings.members=serviceAccount:${DEPLOYER} --format=value(bindings.role)`,
      );
      expect(setupSh).toContain('run gcloud projects remove-iam-policy-binding "$PROJECT"');
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
        'FUNCTION_URL=https://maskops-deployer-PROJECT_NUMBER.us-central1.run.app',
        `CANARY_TASKS_SERVICE_ACCOUNT=${DEPLOYER}`,
      ]) {
        expect(d).toContain(v);
      }
      expect(c.find((x) => x.startsWith('kubectl kustomize'))).toContain(
        'components/pod-monitoring',
      );
    });

    it("targets the function's run.app URL, and checks it against the deployed function", () => {
      const deployed = c.findIndex((x) => x.startsWith('gcloud functions deploy'));
      expect(c[deployed]).toContain(
        'FUNCTION_URL=https://maskops-deployer-PROJECT_NUMBER.us-central1.run.app',
      );
      const after = r.stdout.slice(r.stdout.indexOf(c[deployed]));
      expect(after).toContain(
        '= gcloud functions describe maskops-deployer --gen2 --region us-central1 --project demo-proj-1 --format=value(serviceConfig.uri)',
      );
      expect(stdout).not.toContain('serviceConfig.uri');
      expect(setupLib).toMatch(/not at \$\{FUNCTION_URL\}/);
    });
  });

  it('sets up no model rollouts without --model-bucket', () => {
    expect(cmds.some((c) => c.startsWith('gcloud storage buckets update'))).toBe(false);
    expect(cmds.some((c) => c.includes('eventarc triggers create'))).toBe(false);
    expect(deploy()).not.toContain('MODEL_BUCKET');
  });

  describe('--model-bucket', () => {
    const r = dryRun(...PROJECT, '--model-bucket', 'gs://demo-models/models/');
    const c = commands(r.stdout);
    const one = (prefix: string): string => {
      const found = c.filter((x) => x.startsWith(prefix));
      expect([prefix, found.length]).toEqual([prefix, 1]);
      return found[0];
    };

    it('turns on versioning with a lifecycle rule that keeps what a rollback needs, and says so', () => {
      expect(r.status).toBe(0);
      expect(lines(r.stdout, '? ')).toContain(
        'gcloud storage buckets describe gs://demo-models --project demo-proj-1',
      );
      expect(one('gcloud storage buckets update gs://demo-models')).toMatch(
        /--versioning --lifecycle-file \S+model-bucket-lifecycle\.json$/,
      );
      expect(r.stdout).toMatch(
        /# lifecycle: a noncurrent version is deleted once 6 newer versions exist and it has been noncurrent 30 days/,
      );
      expect(r.stdout).toContain('# Object Versioning on:');
    });

    it('notifies finalizes under the prefix to a topic that a second trigger delivers to the function', () => {
      expect(one('gcloud pubsub topics create maskops-model-events')).toBe(
        'gcloud pubsub topics create maskops-model-events --project demo-proj-1',
      );
      expect(one('gcloud storage buckets notifications create')).toBe(
        'gcloud storage buckets notifications create gs://demo-models --project demo-proj-1 --topic projects/demo-proj-1/topics/maskops-model-events --event-types OBJECT_FINALIZE --object-prefix models/ --payload-format json',
      );
      const trigger = one('gcloud eventarc triggers create maskops-models');
      expect(trigger).toContain(
        '--destination-run-service maskops-deployer --destination-run-region us-central1 --event-filters type=google.cloud.pubsub.topic.v1.messagePublished --transport-topic projects/demo-proj-1/topics/maskops-model-events',
      );
      expect(trigger).toContain(`--service-account ${DEPLOYER}`);
      // After the function's deploy (its Cloud Run service is the destination), and
      // dead-lettered like the build trigger.
      const deployAt = c.findIndex((x) => x.startsWith('gcloud functions deploy'));
      expect(c.indexOf(trigger)).toBeGreaterThan(deployAt);
      expect(lines(r.stdout, '= ')).toContain(
        'gcloud eventarc triggers describe maskops-models --location us-central1 --project demo-proj-1 --format=value(transport.pubsub.subscription)',
      );
      expect(c.filter((x) => x.startsWith('gcloud pubsub subscriptions update'))).toHaveLength(2);
    });

    it('gives the function MODEL_BUCKET, the pods MODEL_REQUIRE_GENERATION and read access to the bucket only', () => {
      expect(one('gcloud functions deploy')).toMatch(
        /,MODEL_BUCKET=gs:\/\/demo-models\/models( |$)/,
      );
      expect(one('kubectl kustomize')).toContain('../../infra/k8s/components/model-bucket)');
      // MODEL_PATH becomes the deployer's after the first apply (re-runs leave it out).
      const handOff = one('kubectl apply --server-side --field-manager=maskops-model-path');
      expect(c.indexOf(handOff)).toBeGreaterThan(c.indexOf(one('kubectl kustomize')));
      expect(one('gcloud storage buckets add-iam-policy-binding gs://demo-models')).toBe(
        'gcloud storage buckets add-iam-policy-binding gs://demo-models --project demo-proj-1 --member principal://iam.googleapis.com/projects/PROJECT_NUMBER/locations/global/workloadIdentityPools/demo-proj-1.svc.id.goog/subject/ns/maskops/sa/inference-api --role roles/storage.objectViewer',
      );
      expect(
        c.some((x) => x.includes('add-iam-policy-binding demo-proj-1') && x.includes('storage.')),
      ).toBe(false);
      expect(c).toContain(
        'kubectl apply --server-side --field-manager=maskops-setup -f -   # ConfigMap maskops-setup: exposure=internal domain= canary=false podMonitoring=false modelUri= modelBucket=gs://demo-models/models',
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

  it('creates a 2nd gen trigger from --repository', () => {
    const repository =
      'projects/demo-proj-1/locations/us-central1/connections/gh/repositories/maskops';
    const r = dryRun(...PROJECT, '--repository', repository);
    expect(r.status).toBe(0);
    const trigger = commands(r.stdout).find((c) =>
      c.startsWith('gcloud builds triggers create github'),
    )!;
    expect(trigger).toContain(`--repository ${repository} --branch-pattern`);
    expect(trigger).not.toContain('--repo-owner');
    expect(find('gcloud builds triggers create github')).toContain(
      '--repo-owner acme --repo-name maskops --branch-pattern',
    );
  });

  it('refuses a --rebuild of uncommitted changes unless --allow-dirty', () => {
    const dir = mkdtempSync(join(tmpdir(), 'setup-tree-'));
    try {
      mkdirSync(join(dir, 'infra', 'gcp'), { recursive: true });
      for (const f of ['setup.sh', 'setup-lib.sh', 'setup-model.sh']) {
        writeFileSync(join(dir, 'infra', 'gcp', f), read('infra', 'gcp', f));
      }
      const copy = (...args: string[]) =>
        spawnSync(
          'bash',
          [join(dir, 'infra', 'gcp', 'setup.sh'), '--dry-run', ...PROJECT, ...args],
          {
            encoding: 'utf8',
            env: { PATH: process.env.PATH },
          },
        );
      expect(copy('--rebuild').stderr).toMatch(/--rebuild: cannot tell .*not a git work tree/);
      const git = (...args: string[]) =>
        execFileSync('git', [
          '-C',
          dir,
          '-c',
          'user.name=t',
          '-c',
          'user.email=t@example.com',
          ...args,
        ]);
      git('init', '-q');
      git('add', '.');
      git('commit', '-qm', 'tree');
      expect(copy('--rebuild').status).toBe(0);
      writeFileSync(join(dir, 'uncommitted.txt'), 'x');
      const dirty = copy('--rebuild');
      expect([dirty.status, dirty.stderr.trim().split('\n').length]).toEqual([2, 1]);
      expect(dirty.stderr).toMatch(/uncommitted changes; commit them, or add --allow-dirty/);
      expect(commands(dirty.stdout)).toEqual([]);
      expect(copy('--rebuild', '--allow-dirty').status).toBe(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it.each([
    [[], /--project .* is required/],
    [[...PROJECT, '--region'], /--region needs a value/],
    [[...PROJECT, '--exposure', 'open'], /--exposure must be internal, public or public-http/],
    [[...PROJECT, '--exposure', 'public'], /--exposure public needs --domain NAME/],
    [[...PROJECT, '--domain', 'api.example.com'], /--domain goes with --exposure public/],
    [
      [...PROJECT, '--exposure', 'public', '--domain', 'https://api.example.com'],
      /is not a hostname/,
    ],
    [[...PROJECT, '--exposure', 'public', '--domain', 'localhost'], /is not a hostname/],
    [[...PROJECT, '--exposure', 'public', '--domain', '*.example.com'], /is not a hostname/],
    [[...PROJECT, '--exposure', 'public', '--domain', `${'a'.repeat(50)}.example.com`], /too long/],
    [
      [...PROJECT, '--exposure', 'public-http', '--internal-lb'],
      /conflicting options: --exposure public-http and --internal-lb/,
    ],
    [[...PROJECT, '--canary', '--no-canary'], /conflicting options: --canary and --no-canary/],
    [[...PROJECT, '--canary', '--no-pod-monitoring'], /--canary .* needs pod monitoring/],
    [[...PROJECT, '--rebuild', '--skip-build'], /conflicting options: --rebuild and --skip-build/],
    [[...PROJECT, '--github-owner', 'acme'], /--github-owner and --github-repo go together/],
    [
      [
        ...PROJECT,
        '--github-owner',
        'a',
        '--github-repo',
        'b',
        '--repository',
        'projects/p/locations/us-central1/connections/c/repositories/r',
      ],
      /conflicting options: --repository \(2nd gen\) and --github-owner/,
    ],
    [[...PROJECT, '--repository', 'acme/maskops'], /--repository must be projects\/P\/locations/],
    [
      [
        ...PROJECT,
        '--repository',
        'projects/p/locations/europe-west1/connections/c/repositories/r',
      ],
      /--repository is in europe-west1.*--region europe-west1/,
    ],
    [
      [...PROJECT, '--token-file', '/nonexistent/tokens'],
      /--token-file \/nonexistent\/tokens is not a readable file/,
    ],
    [
      [...PROJECT, '--token-file', 'x', '--token-secret', 'y'],
      /conflicting options: --token-file and --token-secret/,
    ],
    [[...PROJECT, '--token-secret', 'projects/p/secrets/s'], /--token-secret must be the name/],
    [['--project', 'Bad_Project'], /not a valid project id/],
    [[...PROJECT, '--model-uri', 'http://x'], /gs:\/\/ URI/],
    [[...PROJECT, '--bogus'], /unknown option --bogus/],
    [
      [...PROJECT, '--model-bucket', 'gs://demo-models'],
      /--model-bucket must be gs:\/\/BUCKET\/PREFIX/,
    ],
    [[...PROJECT, '--model-bucket', 'gs://b/a b'], /--model-bucket must be/],
    [[...PROJECT, '--model-uri', 'gs://b/a b'], /gs:\/\/ URI/],
    [[...PROJECT, '--model-uri', 'gs://b/a"b'], /gs:\/\/ URI/],
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
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(commands(r.stdout)).toEqual([]);
  });

  it.each([
    ['a line with a space', `${'a'.repeat(20)} ${'b'.repeat(20)}\n`, /line 1 is not a token/],
    ['a short line', `# comment\n\n${'a'.repeat(15)}\n`, /line 3 is not a token/],
    ['no token', '# only a comment\n\n', /holds no token/],
    ['a non-ASCII token', `${'é'.repeat(20)}\n`, /line 1 is not a token/],
    [
      'more than a Secret holds',
      `${'a'.repeat(4096)}\n`.repeat(260),
      /larger than a Kubernetes Secret holds/,
    ],
  ])('refuses a token file with %s, naming the line, never its text', (_what, text, message) => {
    const dir = mkdtempSync(join(tmpdir(), 'setup-tokens-'));
    try {
      const file = join(dir, 'tokens.txt');
      writeFileSync(file, text);
      const r = dryRun(...PROJECT, '--token-file', file);
      expect(r.status).toBe(2);
      expect(r.stderr).toMatch(message);
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stderr).not.toContain('aaaaaaaaaa');
      expect(commands(r.stdout)).toEqual([]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  const hasShellcheck = spawnSync('shellcheck', ['--version']).status === 0;
  (hasShellcheck || process.env.CI === 'true' ? it : it.skip)('is shellcheck-clean', () => {
    // -x: with the functions it sources.
    const r = spawnSync('shellcheck', ['-x', script], { encoding: 'utf8', cwd: dirname(script) });
    expect(r.stdout + r.stderr).toBe('');
    expect(r.status).toBe(0);
  });
});
