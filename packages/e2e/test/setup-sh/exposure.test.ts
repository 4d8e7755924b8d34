/**
 * setup.sh --exposure public --domain and --token-secret end to end, offline: the
 * Certificate Manager objects, the cluster's Gateway API, the Secret Manager read, and
 * the Gateway, HTTPRoute, health check policy and token Secret applied; a re-run after
 * the secret gained a version; then a run back to --exposure internal, and one with
 * --exposure public-http (opt-in, with its WARNING). Behind
 * `pnpm --filter @maskops/e2e run test:setup-sh` with the other paths CI leaves out.
 */
import { startSetupHarness } from './harness';
import type { SetupHarness, SetupRun } from './harness';
import { calls, creates, expectCleanRun, PROJECT, setupShSuite } from './checks';
import { kubeRequest } from './kube-request';

const DOMAIN = 'api.example.com';
/** setup.sh names the Certificate Manager objects after the domain. */
const CERT = 'maskops-api-example-com';
const GLOBAL = `projects/${PROJECT}/locations/global`;
const SECRET = 'maskops-api-tokens';
const NS = '/namespaces/maskops';
const GATEWAY_API = `/apis/gateway.networking.k8s.io/v1${NS}`;
const HEALTH_CHECK_POLICY = `/apis/networking.gke.io/v1${NS}/healthcheckpolicies/inference-api`;
const ARGS = ['--project', PROJECT, '--skip-build', '--exposure', 'public', '--domain', DOMAIN];

const TOKENS_1 =
  '# the API clients\n0123456789abcdef0123456789abcdef\nfedcba9876543210fedcba9876543210\n';
const TOKENS_2 = 'a-rotated-token-0123456789abcdef\n';

/** A Secret Manager call as its owner makes it before setup.sh runs (gcloud secrets create / versions add). */
async function secretManager(h: SetupHarness, path: string, body: unknown): Promise<void> {
  const res = await fetch(`${h.google.url}/secretmanager/v1/projects/${PROJECT}/${path}`, {
    method: 'POST',
    headers: { authorization: 'Bearer localcloud-token', 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  expect(res.status).toBe(200);
}
const addVersion = (h: SetupHarness, tokens: string): Promise<void> =>
  secretManager(h, `secrets/${SECRET}:addVersion`, {
    payload: { data: Buffer.from(tokens).toString('base64') },
  });

interface PodTemplateSpec {
  template: {
    spec: {
      volumes: unknown[];
      containers: { volumeMounts: unknown[]; env: unknown[] }[];
    };
  };
}

/** The tokens the pods' Secret holds. */
async function secretTokens(h: SetupHarness): Promise<string> {
  const secret = await kubeRequest(h, 'GET', `/api/v1${NS}/secrets/inference-api-tokens`);
  expect(secret.status).toBe(200);
  return Buffer.from(secret.body.data?.tokens ?? '', 'base64').toString();
}

/** The address ranges the serving NetworkPolicy lets reach the pods. */
async function servingSources(h: SetupHarness): Promise<string[]> {
  const policy = await kubeRequest(
    h,
    'GET',
    `/apis/networking.k8s.io/v1${NS}/networkpolicies/inference-api-serving`,
  );
  const ingress = policy.body.spec?.ingress as { from: { ipBlock: { cidr: string } }[] }[];
  return ingress.flatMap((i) => i.from.map((f) => f.ipBlock.cidr));
}

setupShSuite('setup.sh --exposure public --domain, --token-secret, then internal', () => {
  let h: SetupHarness;
  let first: SetupRun;
  let firstCount = 0;

  beforeAll(async () => {
    h = await startSetupHarness();
    await secretManager(h, `secrets?secretId=${SECRET}`, { replication: { automatic: {} } });
    await addVersion(h, TOKENS_1);
    first = await h.run([...ARGS, '--token-secret', SECRET]);
    firstCount = h.google.requests.length;
  }, 900_000);
  afterAll(() => h.close());

  it('runs to the end, every request known to a stand-in', () => {
    expectCleanRun(h, first);
  });

  it("turns on the cluster's Gateway API and Certificate Manager", () => {
    const enabled = h.google.state.enabledServices.get(PROJECT) ?? new Set();
    expect(enabled).toContain('certificatemanager.googleapis.com');
    const updates = calls(h.google.requests, 'container', 'PUT', /\/clusters\/maskops$/);
    expect(updates.map((r) => [r.path, r.status, r.body])).toEqual([
      [
        `/v1/projects/${PROJECT}/locations/us-central1/clusters/maskops`,
        200,
        {
          name: `projects/${PROJECT}/locations/us-central1/clusters/maskops`,
          update: { desiredGatewayApiConfig: { channel: 'CHANNEL_STANDARD' } },
        },
      ],
    ]);
  });

  it('creates the DNS authorization, the managed certificate, the map and its entry', () => {
    const created = calls(h.google.requests, 'certificatemanager', 'POST', /./);
    const id = (r: { query: string }, param: string): string | null =>
      new URLSearchParams(r.query).get(param);
    expect(created.map((r) => [r.path, r.status])).toEqual([
      [`/v1/${GLOBAL}/dnsAuthorizations`, 200],
      [`/v1/${GLOBAL}/certificates`, 200],
      [`/v1/${GLOBAL}/certificateMaps`, 200],
      [`/v1/${GLOBAL}/certificateMaps/${CERT}/certificateMapEntries`, 200],
    ]);
    expect(
      ['dnsAuthorizationId', 'certificateId', 'certificateMapId', 'certificateMapEntryId'].map(
        (param, i) => id(created[i] ?? { query: '' }, param),
      ),
    ).toEqual([CERT, CERT, CERT, CERT]);
    const [auth, cert, , entry] = created.map((r) => r.body);
    expect(auth).toMatchObject({ domain: DOMAIN });
    expect(cert).toMatchObject({
      managed: { domains: [DOMAIN], dnsAuthorizations: [`${GLOBAL}/dnsAuthorizations/${CERT}`] },
    });
    expect(entry).toMatchObject({
      certificates: [`${GLOBAL}/certificates/${CERT}`],
      hostname: DOMAIN,
    });
    // The record the domain's owner must add is printed.
    expect(first.output).toMatch(
      /DNS authorization record \(for the certificate\): _acme-challenge\.api\.example\.com\.\s+CNAME\s+\S+\.authorize\.certificatemanager\.goog\./,
    );
  });

  it("reads the secret's latest version as the user and grants nobody access to it", () => {
    const secretCalls = h.google.requests
      .slice(0, firstCount)
      .filter((r) => r.api === 'secretmanager');
    // The two calls before the run are the test's own (create, add a version).
    expect(secretCalls.slice(2).map((r) => [r.method, r.path, r.status])).toEqual([
      ['GET', `/v1/projects/${PROJECT}/secrets/${SECRET}/versions/latest:access`, 200],
    ]);
  });

  it("puts the secret's tokens in the Secret the pods mount as API_TOKENS_FILE", async () => {
    expect(await secretTokens(h)).toBe(TOKENS_1);
    // The token travelled in a file and a pipe: no command line of the run shows it.
    expect(first.output).not.toContain('0123456789abcdef0123456789abcdef');
    const deployment = await kubeRequest(h, 'GET', `/apis/apps/v1${NS}/deployments/inference-api`);
    const pod = (deployment.body.spec as unknown as PodTemplateSpec).template.spec;
    expect(pod.volumes).toContainEqual(
      expect.objectContaining({
        name: 'api-tokens',
        secret: expect.objectContaining({ secretName: 'inference-api-tokens' }) as unknown,
      }),
    );
    const container = pod.containers[0];
    expect(container?.volumeMounts).toContainEqual(
      expect.objectContaining({ name: 'api-tokens', mountPath: '/etc/maskops/api-tokens' }),
    );
    expect(container?.env).toContainEqual({
      name: 'API_TOKENS_FILE',
      value: '/etc/maskops/api-tokens/tokens',
    });
  });

  it('applies an HTTPS-only Gateway with the certificate map, its route and health check', async () => {
    const gateway = await kubeRequest(h, 'GET', `${GATEWAY_API}/gateways/inference-api`);
    expect(gateway.status).toBe(200);
    expect(gateway.body.metadata?.annotations).toEqual({ 'networking.gke.io/certmap': CERT });
    expect(gateway.body.spec).toEqual({
      gatewayClassName: 'gke-l7-global-external-managed',
      listeners: [{ name: 'https', protocol: 'HTTPS', port: 443 }],
    });
    const route = await kubeRequest(h, 'GET', `${GATEWAY_API}/httproutes/inference-api`);
    expect(route.body.spec).toEqual({
      parentRefs: [{ name: 'inference-api' }],
      hostnames: [DOMAIN],
      rules: [{ backendRefs: [{ name: 'inference-api', port: 80 }] }],
    });
    const health = await kubeRequest(h, 'GET', HEALTH_CHECK_POLICY);
    expect(health.body.spec).toMatchObject({
      default: {
        config: { type: 'HTTP', httpHealthCheck: { port: 8080, requestPath: '/readyz' } },
      },
      targetRef: { group: '', kind: 'Service', name: 'inference-api' },
    });
    // Applied server-side by setup.sh's field manager.
    for (const obj of [gateway, route, health]) {
      const managers = (obj.body.metadata?.managedFields ?? []).map((m) => [
        m.manager,
        m.operation,
      ]);
      expect(managers).toEqual([['maskops-setup', 'Apply']]);
    }
    // The Service stays inside the cluster: the Gateway reaches the pods, nothing else does.
    const service = await kubeRequest(h, 'GET', `/api/v1${NS}/services/inference-api`);
    expect(service.body.spec?.type).toBe('ClusterIP');
    expect(await servingSources(h)).toEqual(['35.191.0.0/16', '130.211.0.0/22']);
    const options = await kubeRequest(h, 'GET', `/api/v1${NS}/configmaps/maskops-setup`);
    expect(options.body.data).toMatchObject({ exposure: 'public', domain: DOMAIN });
  });

  it('a re-run after the secret gained a version takes its tokens and creates nothing', async () => {
    await addVersion(h, TOKENS_2);
    const before = h.google.requests.length;
    expectCleanRun(h, await h.run([...ARGS, '--token-secret', SECRET]));
    const second = h.google.requests.slice(before);
    expect(creates(second)).toEqual([]);
    expect(calls(second, 'certificatemanager', 'POST', /./)).toEqual([]);
    expect(calls(second, 'container', 'PUT', /./)).toEqual([]);
    expect(second.filter((r) => r.status === 409)).toEqual([]);
    expect(await secretTokens(h)).toBe(TOKENS_2);
  }, 900_000);

  it('a run with --exposure internal removes the Gateway and keeps the tokens', async () => {
    const before = h.google.requests.length;
    // An option not given keeps its stored value: the exposure is named to change it.
    const run = await h.run(['--project', PROJECT, '--skip-build', '--exposure', 'internal']);
    expectCleanRun(h, run);
    const third = h.google.requests.slice(before);
    // Without --token-secret the Secret is kept: Secret Manager is not asked.
    expect(third.filter((r) => r.api === 'secretmanager')).toEqual([]);
    expect(await secretTokens(h)).toBe(TOKENS_2);
    for (const path of [
      `${GATEWAY_API}/gateways/inference-api`,
      `${GATEWAY_API}/httproutes/inference-api`,
      HEALTH_CHECK_POLICY,
    ]) {
      expect((await kubeRequest(h, 'GET', path)).status).toBe(404);
    }
    // The certificate is left for its owner to delete, and the run says so.
    expect(h.google.state.get(`${GLOBAL}/certificates/${CERT}`)).toBeDefined();
    expect(run.output).toContain(`the certificate for ${DOMAIN} stays in Certificate Manager`);
    const service = await kubeRequest(h, 'GET', `/api/v1${NS}/services/inference-api`);
    expect(service.body.spec?.type).toBe('LoadBalancer');
    expect(service.body.metadata?.annotations).toMatchObject({
      'networking.gke.io/load-balancer-type': 'Internal',
    });
  }, 900_000);

  it('a run with --exposure public-http warns, opens the Service and keeps the tokens', async () => {
    const before = h.google.requests.length;
    const run = await h.run(['--project', PROJECT, '--skip-build', '--exposure', 'public-http']);
    expectCleanRun(h, run);
    expect(run.output).toContain(
      'setup.sh: WARNING: --exposure public-http serves plain HTTP on a public address',
    );
    const fourth = h.google.requests.slice(before);
    expect(creates(fourth)).toEqual([]);
    expect(await secretTokens(h)).toBe(TOKENS_2);
    // setup.sh's field manager no longer applies the internal annotation: server-side
    // apply removes it, so the load balancer is a public one.
    const service = await kubeRequest(h, 'GET', `/api/v1${NS}/services/inference-api`);
    expect(service.body.spec?.type).toBe('LoadBalancer');
    expect(service.body.metadata?.annotations ?? {}).not.toHaveProperty(
      'networking.gke.io/load-balancer-type',
    );
    expect(await servingSources(h)).toEqual(['0.0.0.0/0']);
    const options = await kubeRequest(h, 'GET', `/api/v1${NS}/configmaps/maskops-setup`);
    expect(options.body.data).toMatchObject({ exposure: 'public-http' });
  }, 900_000);
});
