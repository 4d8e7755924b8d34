/**
 * What a dry run cannot show: setup.sh on an install that already exists. gcloud and
 * kubectl are stand-in scripts on PATH that answer from a few settings (the install's
 * image, its stored options, its managedFields) and record every call and every
 * manifest piped to them; `kubectl kustomize` is the real one.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { type Obj, root } from '../helpers/infra-files';

const script = join(root, 'infra', 'gcp', 'setup.sh');
const realKubectl = execFileSync('sh', ['-c', 'command -v kubectl'], { encoding: 'utf8' }).trim();
const IMAGE =
  'us-central1-docker.pkg.dev/demo-proj-1/maskops/inference-api@sha256:' + 'a'.repeat(64);
const RUN_APP = 'https://maskops-deployer-123456789012.us-central1.run.app';

const GCLOUD = `#!/usr/bin/env bash
echo "gcloud $*" >> "$FAKE_LOG"
case "$*" in
  *'projects describe'*) echo 123456789012 ;;
  *serviceConfig.uri*) echo "$FAKE_FUNCTION_URI" ;;
  *'run services describe'*) echo "$FAKE_RUN_URL" ;;
  *ROLLOUT_STRATEGY*) echo "$FAKE_STRATEGY" ;;
  *eventTrigger.trigger*) echo projects/demo-proj-1/locations/us-central1/triggers/t ;;
  *transport.pubsub.subscription*) echo projects/demo-proj-1/subscriptions/s ;;
  *gatewayApiConfig*) echo CHANNEL_STANDARD ;;
  *dnsResourceRecord*) echo '_acme-challenge.api.example.com. CNAME x.authorize.certificatemanager.goog.' ;;
  *get-iam-policy*) ;;
  *print-access-token*) echo token ;;
  # Whatever way the script asks whether the caller may act as a service account,
  # or whether the function's runtime exists: yes.
  *actAs* | *estIamPermissions* | *test-iam-permissions*) echo '{"permissions":["iam.serviceAccounts.actAs"]}' ;;
  *'runtimes list'*) echo nodejs24 ;;
esac
exit 0
`;
const KUBECTL = `#!/usr/bin/env bash
echo "kubectl $*" >> "$FAKE_LOG"
args="$*"
case "$args" in
  kustomize* | *'--dry-run=client'*) exec "$REAL_KUBECTL" "$@" ;;
  *' -f -'*) { echo '---'; cat; } >> "$FAKE_APPLIED" ;;
  *show-managed-fields*) case "$args" in *'deployment/inference-api '*|*service/*|*podmonitoring/*) printf '%b' "$FAKE_MANAGERS" ;; esac ;;
  *'get deployment'*'.spec.replicas'*) echo "2 $FAKE_LIVE_IMAGE" ;;
  *'get deployment inference-api --ignore-not-found'*) echo "$FAKE_IMAGE" ;;
  *'get configmap maskops-setup'*) printf '%b' "$FAKE_STORED" ;;
  *'matchLabels.maskops'*) echo stable ;;
  *'get secret'*) echo "$FAKE_SECRET" ;;
  *'get namespace'*) if [ -n "$FAKE_SECRET" ]; then echo namespace/maskops; fi ;;
  *'get service'*) echo "$FAKE_SERVICE" ;;
  *'get podmonitoring'*) echo podmonitoring.monitoring.googleapis.com/inference-api ;;
esac
exit 0
`;

interface Install {
  /** The Deployment's image; '' = no Deployment yet. */
  image?: string;
  /** Whether the token Secret (and its namespace) exist. */
  secret?: boolean;
  stored?: string;
  service?: string;
  managers?: string;
  strategy?: string;
  functionUri?: string;
  runUrl?: string;
}
interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
  calls: string[];
  applied: Obj[];
}

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

function setup(install: Install, ...args: string[]): Run {
  const bin = mkdtempSync(join(tmpdir(), 'setup-fakes-'));
  dirs.push(bin);
  const tool = (name: string, body: string) => {
    writeFileSync(join(bin, name), body);
    chmodSync(join(bin, name), 0o755);
  };
  tool('gcloud', GCLOUD);
  tool('kubectl', KUBECTL);
  // Staging the function is not what this test is about; everything else runs in node.
  tool(
    'node',
    `#!/bin/sh\ncase "$1" in *stage-function.mjs) exit 0 ;; esac\nexec "${process.execPath}" "$@"\n`,
  );
  for (const name of ['pnpm', 'npm', 'gke-gcloud-auth-plugin']) tool(name, '#!/bin/sh\nexit 0\n');
  tool('curl', `#!/bin/sh\necho '{"permissions":["iam.serviceAccounts.actAs"]}'\n`);
  const log = join(bin, 'calls.log');
  const applied = join(bin, 'applied.yaml');
  writeFileSync(log, '');
  writeFileSync(applied, '');
  const r = spawnSync('bash', [script, '--project', 'demo-proj-1', ...args], {
    encoding: 'utf8',
    env: {
      PATH: `${bin}:${process.env.PATH}`,
      HOME: bin,
      FAKE_LOG: log,
      FAKE_APPLIED: applied,
      REAL_KUBECTL: realKubectl,
      FAKE_IMAGE: install.image ?? IMAGE,
      FAKE_LIVE_IMAGE: IMAGE,
      FAKE_SECRET: (install.secret ?? true) ? 'secret/inference-api-tokens' : '',
      FAKE_STORED: install.stored ?? '',
      FAKE_SERVICE: install.service ?? '',
      FAKE_MANAGERS: install.managers ?? 'maskops-setup/Apply/\\n',
      FAKE_STRATEGY: install.strategy ?? '',
      FAKE_FUNCTION_URI: install.functionUri ?? RUN_APP,
      FAKE_RUN_URL: install.runUrl ?? RUN_APP,
    },
  });
  return {
    status: r.status,
    stdout: r.stdout,
    stderr: r.stderr,
    calls: readFileSync(log, 'utf8').split('\n').filter(Boolean),
    applied: parseAllDocuments(readFileSync(applied, 'utf8'))
      .map((d) => d.toJS() as Obj | null)
      .filter((d): d is Obj => d !== null),
  };
}

const stored = (o: Record<string, string>): string =>
  ['exposure', 'domain', 'canary', 'podMonitoring', 'modelUri', 'modelBucket']
    .map((k) => o[k] ?? '')
    .join('\\n');
const PUBLIC_CANARY = stored({
  exposure: 'public',
  domain: 'api.example.com',
  canary: 'true',
  podMonitoring: 'true',
  modelUri: 'gs://models/mrcnn',
});
const deployments = (r: Run) => r.applied.filter((o) => o.kind === 'Deployment');
const configMap = (r: Run) => r.applied.find((o) => o.kind === 'ConfigMap')!;
const deployCall = (r: Run) => r.calls.find((c) => c.startsWith('gcloud functions deploy'))!;

describe('infra/gcp/setup.sh on a new install', () => {
  const r = setup({ image: '', secret: false });
  const secret = () => r.applied.find((o) => o.kind === 'Secret')!;

  it('builds, applies the image once, then hands it and the canary replicas to the deployer', () => {
    expect([
      r.status,
      r.stderr.replace(/^setup\.sh: WARNING: the first image includes.*\n/, ''),
    ]).toEqual([0, '']);
    expect(r.calls.filter((c) => c.includes('builds submit'))).toHaveLength(1);
    const apply = r.calls.indexOf('kubectl apply --server-side --field-manager=maskops-setup -f -');
    const handOff = r.calls.indexOf(
      'kubectl apply --server-side --field-manager=maskops-deployer -f -',
    );
    expect(apply).toBeGreaterThan(-1);
    expect(handOff).toBeGreaterThan(apply);
    const [stable, canary] = deployments(r).filter((d) => !('selector' in d.spec));
    expect('replicas' in stable.spec).toBe(false);
    expect(canary.spec.replicas).toBe(2);
    expect(stable.spec.template.spec.containers).toEqual([{ name: 'inference-api', image: IMAGE }]);
    const full = deployments(r).filter((d) => 'selector' in d.spec);
    expect(full.map((d) => d.spec.template.spec.containers[0].image)).toEqual([
      expect.stringMatching(
        /^us-central1-docker\.pkg\.dev\/demo-proj-1\/maskops\/inference-api:manual-\d{8}-\d{6}$/,
      ),
      expect.stringMatching(/:manual-/),
    ]);
  });

  it('creates the token Secret before the pods, the token never on a command line, and says once how to read it', () => {
    const token = Buffer.from(secret().data.tokens as string, 'base64').toString('utf8');
    expect(token).toMatch(/^[0-9a-f]{64}\n$/);
    expect(r.calls.join('\n')).not.toContain(token.trim());
    expect(r.stdout).not.toContain(token.trim());
    expect(r.calls).toContain('kubectl create namespace maskops');
    expect(r.calls).toContain('kubectl -n maskops create -f -');
    expect(r.calls.indexOf('kubectl -n maskops create -f -')).toBeLessThan(
      r.calls.indexOf('kubectl apply --server-side --field-manager=maskops-setup -f -'),
    );
    expect(r.stdout.match(/# API token/g)).toHaveLength(1);
  });

  it('records the options it ran with', () => {
    expect(r.stdout).toContain(
      '# a new install: exposure internal, canary off, pod monitoring off',
    );
    expect(configMap(r).data).toEqual({
      exposure: 'internal',
      domain: '',
      canary: 'false',
      podMonitoring: 'false',
      modelUri: '',
      modelBucket: '',
    });
  });
});

describe('infra/gcp/setup.sh on an existing install', () => {
  describe('a re-run without options', () => {
    const r = setup({ stored: PUBLIC_CANARY });

    it('succeeds and keeps every stored option', () => {
      expect([r.status, r.stderr]).toEqual([0, '']);
      expect(r.stdout).toContain(
        '# options unchanged: exposure public (api.example.com), canary on, pod monitoring on, model gs://models/mrcnn',
      );
      expect(configMap(r).data).toEqual({
        exposure: 'public',
        domain: 'api.example.com',
        canary: 'true',
        podMonitoring: 'true',
        modelUri: 'gs://models/mrcnn',
        modelBucket: '',
      });
      expect(deployCall(r)).toContain('ROLLOUT_STRATEGY=canary');
      expect(r.calls.find((c) => c.startsWith('kubectl kustomize'))).toBeDefined();
      const kinds = r.applied.map((o) => o.kind);
      expect(kinds).toEqual(expect.arrayContaining(['Gateway', 'HTTPRoute', 'PodMonitoring']));
      const gateway = r.applied.find((o) => o.kind === 'Gateway')!;
      expect(gateway.metadata.annotations['networking.gke.io/certmap']).toBe(
        'maskops-api-example-com',
      );
      expect(r.applied.find((o) => o.kind === 'HTTPRoute')!.spec.hostnames).toEqual([
        'api.example.com',
      ]);
    });

    it('submits no build', () => {
      expect(r.calls.filter((c) => c.includes('builds submit'))).toEqual([]);
      expect(r.stdout).toContain(`# the Deployment exists (${IMAGE}): no build`);
    });

    it("applies the manifests without the deployer's fields, server-side, never forcing", () => {
      for (const d of deployments(r)) {
        expect('image' in d.spec.template.spec.containers[0]).toBe(false);
        expect('replicas' in d.spec).toBe(false);
      }
      expect(deployments(r)).toHaveLength(2);
      const applies = r.calls.filter((c) => / (apply|replace|create) /.test(c));
      for (const a of applies)
        expect(a).toMatch(/^kubectl apply --server-side --field-manager=maskops-setup -f -$/);
      expect(r.calls.join('\n')).not.toContain('force');
      // Nothing to migrate, nothing to hand over: the deployer's fields are already its own.
      expect(r.calls.some((c) => c.includes('maskops-deployer -f'))).toBe(false);
      expect(r.calls.some((c) => c.includes(' patch '))).toBe(false);
    });

    it('keeps the token Secret and says nothing about it', () => {
      expect(r.calls.some((c) => c.includes('create secret'))).toBe(false);
      expect(r.stdout).toContain('# inference-api-tokens exists: its tokens are kept');
      expect(r.stdout).not.toContain('# API token');
    });
  });

  it('keeps the model bucket of an earlier run, and its second trigger and pod settings', () => {
    const options = stored({
      exposure: 'internal',
      canary: 'false',
      podMonitoring: 'false',
      modelBucket: 'gs://demo-models/models',
    });
    const r = setup({ stored: options });
    expect([r.status, r.stderr]).toEqual([0, '']);
    expect(r.stdout).toContain(
      '# options unchanged: exposure internal, canary off, pod monitoring off, model the demo model, model rollouts from gs://demo-models/models',
    );
    expect(configMap(r).data.modelBucket).toBe('gs://demo-models/models');
    expect(deployCall(r)).toContain(',MODEL_BUCKET=gs://demo-models/models');
    expect(r.calls).toContain(
      'gcloud storage buckets notifications create gs://demo-models --project demo-proj-1 --topic projects/demo-proj-1/topics/maskops-model-events --event-types OBJECT_FINALIZE --object-prefix models/ --payload-format json',
    );
    // MODEL_PATH is handed to a manager of its own first, then left out of setup.sh's apply.
    const handOff = r.calls.indexOf(
      'kubectl apply --server-side --field-manager=maskops-model-path -f -',
    );
    const apply = r.calls.indexOf('kubectl apply --server-side --field-manager=maskops-setup -f -');
    expect([handOff > -1, handOff < apply]).toEqual([true, true]);
    const [handed, ...applied] = deployments(r);
    expect(handed.spec.template.spec.containers).toEqual([
      { name: 'inference-api', env: [{ name: 'MODEL_PATH', value: IMAGE }] },
    ]);
    for (const d of applied) {
      const env = d.spec.template.spec.containers[0].env as Obj[];
      expect(env).toContainEqual({ name: 'MODEL_REQUIRE_GENERATION', value: 'true' });
      expect(env.map((e) => e.name)).not.toContain('MODEL_PATH');
    }
  });

  it('says what a re-run that adds --model-bucket changes', () => {
    const r = setup({ stored: PUBLIC_CANARY }, '--model-bucket', 'gs://demo-models/models');
    expect([r.status, r.stderr]).toEqual([0, '']);
    expect(r.stdout).toContain(
      '# change: model rollouts off -> gs://demo-models/models (a second trigger; the pods may read gs://demo-models)',
    );
    expect(configMap(r).data.modelBucket).toBe('gs://demo-models/models');
  });

  it('a re-run with other options says what changes and removes what is no longer chosen', () => {
    const r = setup({ stored: PUBLIC_CANARY }, '--exposure', 'internal', '--no-canary');
    expect([r.status, r.stderr]).toEqual([0, '']);
    expect(r.stdout).toContain(
      '# change: exposure public (api.example.com) -> internal: the Service gets a new address, inside the VPC only',
    );
    expect(r.stdout).toContain('# change: canary on -> off (ROLLOUT_STRATEGY=rolling)');
    expect(r.stdout).not.toContain('# change: pod monitoring');
    expect(r.calls).toContain(
      'kubectl -n maskops delete gateway,httproute,healthcheckpolicy inference-api --ignore-not-found',
    );
    expect(configMap(r).data).toMatchObject({
      exposure: 'internal',
      domain: '',
      canary: 'false',
      podMonitoring: 'true',
    });
    expect(deployCall(r)).not.toContain('ROLLOUT_STRATEGY');
    expect(r.applied.find((o) => o.kind === 'Service')!.metadata.annotations).toEqual({
      'networking.gke.io/load-balancer-type': 'Internal',
    });
  });

  it('migrates a client-side-applied install once: the deployer gets its fields first', () => {
    const r = setup({
      stored: '',
      service: 'LoadBalancer/',
      strategy: 'canary',
      managers: 'kube-controller-manager/Update/status\\nkubectl-client-side-apply/Update/\\n',
    });
    expect(r.status).toBe(0);
    // Its options were not recorded: read from what it runs, and kept (a public
    // Service stays public, with a WARNING, until --exposure says otherwise).
    expect(r.stdout).toContain("# this install's options were not recorded (an older setup.sh)");
    expect(r.stdout).toContain(
      '# options unchanged: exposure public-http, canary on, pod monitoring on, model the demo model',
    );
    expect(r.stderr).toBe(
      'setup.sh: WARNING: plain HTTP on a public address: bearer tokens cross the network in clear\n',
    );
    expect(r.applied.find((o) => o.kind === 'Service')!.spec.type).toBe('LoadBalancer');
    const patch = r.calls.find((c) =>
      c.startsWith('kubectl -n maskops patch deployment/inference-api'),
    )!;
    expect(patch).toBe(
      'kubectl -n maskops patch deployment/inference-api --type=json -p [{"op":"replace","path":"/metadata/managedFields/1/manager","value":"maskops-setup"},{"op":"replace","path":"/metadata/managedFields/1/operation","value":"Apply"}]',
    );
    // Every object of the install, the PodMonitoring included (its endpoint's port changes).
    expect(
      r.calls.filter((c) => / patch \S+ --type=json/.test(c)).map((c) => c.split(' ')[4]),
    ).toEqual(['deployment/inference-api', 'service/inference-api', 'podmonitoring/inference-api']);
    const handOff = r.calls.indexOf(
      'kubectl apply --server-side --field-manager=maskops-deployer -f -',
    );
    const apply = r.calls.indexOf('kubectl apply --server-side --field-manager=maskops-setup -f -');
    expect(r.calls.indexOf(patch)).toBeLessThan(handOff);
    expect(handOff).toBeLessThan(apply);
    // The hand-off: the current image of both tracks and their replicas, as they are.
    const [stable, canary] = deployments(r);
    expect([stable.metadata.name, stable.spec.replicas]).toEqual(['inference-api', 2]);
    expect(stable.spec.template.spec.containers).toEqual([{ name: 'inference-api', image: IMAGE }]);
    expect(canary.metadata.name).toBe('inference-api-canary');
    expect(configMap(r).data.canary).toBe('true');
  });

  it('stops with one line when the function does not answer at the run.app URL', () => {
    const hash = 'https://maskops-deployer-x7k2-uc.a.run.app';
    const r = setup({ stored: PUBLIC_CANARY, functionUri: hash, runUrl: hash });
    expect(r.status).toBe(1);
    expect(r.stderr).toBe(
      `setup.sh: the function answers at ${hash}, not at ${RUN_APP}, where its canary steps are sent\n`,
    );
    // Its Cloud Run service may show the deterministic URL while the function shows the other.
    expect(setup({ stored: PUBLIC_CANARY, functionUri: hash }).status).toBe(0);
  });

  it('--rebuild builds again, tests included, and the deployer rolls it out', () => {
    const r = setup({ stored: PUBLIC_CANARY }, '--rebuild', '--allow-dirty');
    expect(r.status).toBe(0);
    const build = r.calls.filter((c) => c.includes('builds submit'));
    expect(build).toHaveLength(1);
    expect(build[0]).toContain('_MODEL_URI=gs://models/mrcnn');
    expect(build[0]).not.toContain('_RUN_TESTS');
    for (const d of deployments(r))
      expect('image' in d.spec.template.spec.containers[0]).toBe(false);
  });
});
