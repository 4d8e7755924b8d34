/**
 * infra/k8s and its kustomize components, rendered by the real `kubectl kustomize` the
 * way setup.sh combines them: one exposure, optional PodMonitoring, and "reapply"
 * (the manifests without the deployer's fields) on every run after the first.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { parseAllDocuments } from 'yaml';
import { k8s, type Obj, setupLib } from '../helpers/infra-files';

// The real kubectl (its kustomize is what setup.sh runs), found on PATH.
const kubectl = execFileSync('sh', ['-c', 'command -v kubectl'], { encoding: 'utf8' }).trim();
const EXPOSURES = ['internal', 'public', 'public-http'] as const;
type Exposure = (typeof EXPOSURES)[number];

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** The objects `kubectl kustomize` renders for infra/k8s with these components. */
function render(...components: string[]): Obj[] {
  const dir = mkdtempSync(join(tmpdir(), 'maskops-kustomize-'));
  dirs.push(dir);
  const base = relative(dir, k8s);
  writeFileSync(
    join(dir, 'kustomization.yaml'),
    [
      'apiVersion: kustomize.config.k8s.io/v1beta1',
      'kind: Kustomization',
      `resources: [${base}]`,
      `components: [${components.map((c) => `${base}/components/${c}`).join(', ')}]`,
      '',
    ].join('\n'),
  );
  const out = execFileSync(kubectl, ['kustomize', dir], { encoding: 'utf8' });
  return parseAllDocuments(out).map((d) => d.toJS() as Obj);
}
const one = (objs: Obj[], kind: string, name = 'inference-api'): Obj => {
  const found = objs.filter((o) => o.kind === kind && o.metadata.name === name);
  expect([kind, name, found.length]).toEqual([kind, name, 1]);
  return found[0];
};
const kinds = (objs: Obj[]): string[] => objs.map((o) => `${o.kind}/${o.metadata.name}`).sort();
const containerOf = (d: Obj): Obj => d.spec.template.spec.containers[0];
const envOf = (c: Obj): Record<string, string> =>
  Object.fromEntries((c.env as Obj[]).filter((e) => 'value' in e).map((e) => [e.name, e.value]));
const servingSources = (objs: Obj[]): string[] => {
  const policy = one(objs, 'NetworkPolicy', 'inference-api-serving');
  expect(policy.spec.ingress).toHaveLength(1);
  expect(policy.spec.ingress[0].ports).toEqual([{ port: 'http', protocol: 'TCP' }]);
  return (policy.spec.ingress[0].from as Obj[]).map((f) => f.ipBlock.cidr as string).sort();
};

describe('infra/k8s rendered by kubectl kustomize', () => {
  const base = render();

  it('alone, reaches nothing outside the cluster', () => {
    expect(one(base, 'Service').spec.type).toBe('ClusterIP');
    expect(base.some((o) => o.kind === 'Gateway')).toBe(false);
    expect(base.some((o) => o.metadata.name === 'inference-api-serving')).toBe(false);
  });

  it('asks every caller for a token from the Secret, mounted whole so rotations arrive', () => {
    for (const name of ['inference-api', 'inference-api-canary']) {
      const d = one(base, 'Deployment', name);
      const c = containerOf(d);
      const mount = (c.volumeMounts as Obj[]).find((m) => m.name === 'api-tokens')!;
      expect(mount.subPath).toBeUndefined();
      expect(mount.readOnly).toBe(true);
      expect(envOf(c).API_TOKENS_FILE).toBe(`${mount.mountPath}/tokens`);
      const volume = (d.spec.template.spec.volumes as Obj[]).find((v) => v.name === 'api-tokens')!;
      expect(volume.secret.secretName).toBe('inference-api-tokens');
      expect(volume.secret.optional).toBeUndefined();
      // fsGroup owns the files: group read is enough for the non-root user.
      expect(volume.secret.defaultMode & 0o040).toBe(0o040);
      expect(d.spec.template.spec.securityContext.fsGroup).toBe(
        d.spec.template.spec.securityContext.runAsGroup,
      );
    }
    expect(setupLib).toContain('TOKEN_SECRET_NAME=inference-api-tokens');
  });

  it('serves /metrics on METRICS_PORT, which the Service does not expose', () => {
    const c = containerOf(one(base, 'Deployment'));
    const metrics = (c.ports as Obj[]).find((p) => p.name === 'metrics')!;
    expect(envOf(c).METRICS_PORT).toBe(String(metrics.containerPort));
    expect(envOf(c).METRICS_PORT).not.toBe(envOf(c).PORT);
    expect((one(base, 'Service').spec.ports as Obj[]).map((p) => p.targetPort)).toEqual(['http']);
  });

  it('admits the metrics port from the Managed Prometheus collectors only', () => {
    const policy = one(base, 'NetworkPolicy', 'inference-api-metrics');
    expect(policy.spec.podSelector.matchLabels).toEqual({
      'app.kubernetes.io/name': 'inference-api',
    });
    expect(policy.spec.policyTypes).toEqual(['Ingress']);
    expect(policy.spec.ingress).toEqual([
      {
        from: [
          {
            namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'gmp-system' } },
            podSelector: { matchLabels: { 'app.kubernetes.io/name': 'collector' } },
          },
        ],
        ports: [{ port: 'metrics', protocol: 'TCP' }],
      },
    ]);
  });

  it('pod-monitoring scrapes /metrics on the metrics port every 15 s', () => {
    const monitoring = one(render('pod-monitoring'), 'PodMonitoring');
    const labels = one(base, 'Deployment').spec.template.metadata.labels;
    for (const [k, v] of Object.entries(monitoring.spec.selector.matchLabels as Obj)) {
      expect(labels[k]).toBe(v);
    }
    expect(monitoring.spec.endpoints).toEqual([
      { port: 'metrics', path: '/metrics', interval: '15s' },
    ]);
  });

  describe.each(EXPOSURES)('exposure-%s', (exposure: Exposure) => {
    const objs = render(`exposure-${exposure}`);
    const service = one(objs, 'Service');

    it('adds only its own objects to the base', () => {
      const added = kinds(objs).filter((k) => !kinds(base).includes(k));
      expect(added).toEqual(
        exposure === 'public'
          ? [
              'Gateway/inference-api',
              'HTTPRoute/inference-api',
              'HealthCheckPolicy/inference-api',
              'NetworkPolicy/inference-api-serving',
            ]
          : ['NetworkPolicy/inference-api-serving'],
      );
      expect(objs.every((o) => o.kind === 'Namespace' || o.metadata.namespace === 'maskops')).toBe(
        true,
      );
    });

    if (exposure === 'internal') {
      it('is an internal passthrough load balancer, open to the VPC ranges only', () => {
        expect(service.spec.type).toBe('LoadBalancer');
        expect(service.metadata.annotations).toEqual({
          'networking.gke.io/load-balancer-type': 'Internal',
        });
        expect(servingSources(objs)).toEqual(['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16']);
      });
    }
    if (exposure === 'public-http') {
      it('is a public load balancer, open to anyone', () => {
        expect(service.spec.type).toBe('LoadBalancer');
        expect(service.metadata.annotations).toBeUndefined();
        expect(servingSources(objs)).toEqual(['0.0.0.0/0']);
      });
    }
    if (exposure === 'public') {
      it('is a Gateway in HTTPS only, with a certificate map, in front of a ClusterIP Service', () => {
        expect(service.spec.type).toBe('ClusterIP');
        const gateway = one(objs, 'Gateway');
        expect(gateway.spec.gatewayClassName).toBe('gke-l7-global-external-managed');
        expect(gateway.metadata.annotations).toEqual({
          'networking.gke.io/certmap': 'CERTMAP_PLACEHOLDER',
        });
        expect(gateway.spec.listeners).toEqual([{ name: 'https', protocol: 'HTTPS', port: 443 }]);
        const route = one(objs, 'HTTPRoute');
        expect(route.spec.parentRefs).toEqual([{ name: gateway.metadata.name }]);
        expect(route.spec.hostnames).toEqual(['DOMAIN_PLACEHOLDER']);
        expect(route.spec.rules).toEqual([
          { backendRefs: [{ name: service.metadata.name, port: service.spec.ports[0].port }] },
        ]);
        // GKE Gateways take no ManagedCertificate.
        expect(objs.some((o) => o.kind === 'ManagedCertificate')).toBe(false);
      });

      it('health-checks /readyz and admits only Google front ends and probers', () => {
        const check = one(objs, 'HealthCheckPolicy');
        expect(check.spec.targetRef).toEqual({ group: '', kind: 'Service', name: 'inference-api' });
        const http = containerOf(one(base, 'Deployment')).ports[0];
        expect(check.spec.default.config.httpHealthCheck).toEqual({
          port: http.containerPort,
          requestPath: '/readyz',
        });
        expect(servingSources(objs)).toEqual(['130.211.0.0/22', '35.191.0.0/16']);
      });
    }
  });

  it('reapply leaves out exactly the image of both tracks and the canary replicas', () => {
    const full = render('exposure-internal', 'pod-monitoring');
    const again = render('exposure-internal', 'pod-monitoring', 'reapply');
    expect(kinds(again)).toEqual(kinds(full));
    for (const name of ['inference-api', 'inference-api-canary']) {
      const f = one(full, 'Deployment', name);
      const a = one(again, 'Deployment', name);
      expect(containerOf(f).image).toBe('IMAGE_PLACEHOLDER');
      expect('image' in containerOf(a)).toBe(false);
      expect('replicas' in a.spec).toBe(false);
      const { image: _i, ...rest } = containerOf(f);
      expect(containerOf(a)).toEqual(rest);
    }
    expect(one(full, 'Deployment', 'inference-api-canary').spec.replicas).toBe(0);
    const others = (objs: Obj[]) => objs.filter((o) => o.kind !== 'Deployment');
    expect(others(again)).toEqual(others(full));
  });

  it('setup.sh knows every component', () => {
    const components = readdirSync(join(k8s, 'components')).sort();
    expect(components).toEqual([
      'exposure-internal',
      'exposure-public',
      'exposure-public-http',
      'model-bucket',
      'model-bucket-reapply',
      'pod-monitoring',
      'reapply',
    ]);
    expect(setupLib).toContain('COMPONENTS=("../../infra/k8s/components/exposure-${EXPOSURE}")');
    expect(setupLib).toContain('COMPONENTS+=("../../infra/k8s/components/pod-monitoring")');
    expect(setupLib).toContain('COMPONENTS+=("../../infra/k8s/components/reapply")');
    expect(setupLib).toContain('COMPONENTS+=("../../infra/k8s/components/model-bucket")');
    expect(setupLib).toContain('COMPONENTS+=("../../infra/k8s/components/model-bucket-reapply")');
  });

  it('model-bucket: both tracks refuse a gs:// model path without a generation, image or not', () => {
    for (const objs of [
      render('exposure-internal', 'model-bucket'),
      render('exposure-internal', 'model-bucket', 'reapply'),
    ]) {
      for (const name of ['inference-api', 'inference-api-canary']) {
        expect(envOf(containerOf(one(objs, 'Deployment', name))).MODEL_REQUIRE_GENERATION).toBe(
          'true',
        );
      }
    }
    expect(
      envOf(containerOf(one(render('exposure-internal'), 'Deployment'))).MODEL_REQUIRE_GENERATION,
    ).toBeUndefined();
    // On a re-run MODEL_PATH is the deployer's (model rollouts set it): left out, the rest kept.
    const again = render('exposure-internal', 'model-bucket', 'reapply', 'model-bucket-reapply');
    const first = render('exposure-internal', 'model-bucket', 'reapply');
    for (const name of ['inference-api', 'inference-api-canary']) {
      const names = (objs: Obj[]) =>
        (containerOf(one(objs, 'Deployment', name)).env as Obj[]).map((e) => e.name as string);
      expect(names(again)).toEqual(names(first).filter((n) => n !== 'MODEL_PATH'));
      expect(names(first)).toContain('MODEL_PATH');
    }
  });
});
