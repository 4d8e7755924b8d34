/**
 * The optional kustomize components (internal load balancer, PodMonitoring) and the
 * migration of older installs to HPA-owned replicas.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import {
  container,
  deployment,
  find,
  k8s,
  type Obj,
  read,
  root,
  setupSh,
} from '../helpers/infra-files';

describe('optional kustomize components', () => {
  const components = join(k8s, 'components');
  const component = (name: string): Obj =>
    parse(readFileSync(join(components, name, 'kustomization.yaml'), 'utf8')) as Obj;

  it('internal-lb makes the Service an internal GKE load balancer', () => {
    const c = component('internal-lb');
    expect(c.kind).toBe('Component');
    const patch = parse(c.patches[0].patch as string) as Obj;
    const service = find('Service');
    expect([patch.kind, patch.metadata.name, patch.metadata.namespace]).toEqual([
      service.kind,
      service.metadata.name,
      service.metadata.namespace,
    ]);
    expect(patch.metadata.annotations).toEqual({
      'networking.gke.io/load-balancer-type': 'Internal',
    });
  });

  it('pod-monitoring scrapes /metrics on the container port every 15 s', () => {
    const c = component('pod-monitoring');
    expect(c.kind).toBe('Component');
    const [monitoring] = (c.resources as string[]).map(
      (f) => parse(readFileSync(join(components, 'pod-monitoring', f), 'utf8')) as Obj,
    );
    expect(monitoring.kind).toBe('PodMonitoring');
    expect(monitoring.metadata.namespace).toBe(deployment.metadata.namespace);
    const labels = deployment.spec.template.metadata.labels;
    for (const [k, v] of Object.entries(monitoring.spec.selector.matchLabels as Obj)) {
      expect(labels[k]).toBe(v);
    }
    expect(monitoring.spec.endpoints).toEqual([
      { port: 'http', path: '/metrics', interval: '15s' },
    ]);
    expect((container.ports as Obj[]).map((p) => p.name)).toContain('http');
    const metricsRoute = read(
      'packages',
      'inference-api',
      'src',
      'routes',
      'metrics',
      'metrics-route.ts',
    );
    expect(metricsRoute).toContain("'/metrics'");
  });

  it('setup.sh adds each component on request', () => {
    expect(setupSh).toContain('components+=("../../infra/k8s/components/internal-lb")');
    expect(setupSh).toContain('components+=("../../infra/k8s/components/pod-monitoring")');
    for (const name of readdirSync(components)) expect(setupSh).toContain(`components/${name}"`);
  });
});

describe('infra/gcp/last-applied-without-replicas.mjs', () => {
  const script = join(root, 'infra', 'gcp', 'last-applied-without-replicas.mjs');
  const run = (input: string): string =>
    execFileSync('node', [script], { input, encoding: 'utf8' });

  it('drops spec.replicas from a last-applied Deployment that still has them', () => {
    const old = {
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      spec: { replicas: 2, minReadySeconds: 5 },
    };
    expect(JSON.parse(run(JSON.stringify(old)))).toEqual({
      apiVersion: 'apps/v1',
      kind: 'Deployment',
      spec: { minReadySeconds: 5 },
    });
  });

  it('prints nothing when there is nothing to migrate (new install, or already migrated)', () => {
    expect(run('')).toBe('');
    expect(run(JSON.stringify({ kind: 'Deployment', spec: { minReadySeconds: 5 } }))).toBe('');
  });
});
