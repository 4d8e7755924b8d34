/**
 * The GKE manifests, the Dockerfile, cloudbuild.yaml and setup.sh name the same
 * things (deployment, container, ports, probe paths, grace periods, env settings)
 * in different files. These checks keep them pointing at each other.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, parseAllDocuments } from 'yaml';

const root = join(__dirname, '..', '..', '..', '..');
const k8s = join(root, 'infra', 'k8s');
const read = (...p: string[]): string => readFileSync(join(root, ...p), 'utf8');

type Obj = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const docs: Obj[] = readdirSync(k8s)
  .filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml')
  .flatMap((f) =>
    parseAllDocuments(readFileSync(join(k8s, f), 'utf8')).map((d) => d.toJS() as Obj),
  );
const find = (kind: string): Obj => {
  const found = docs.filter((d) => d.kind === kind);
  expect(found).toHaveLength(1);
  return found[0]!;
};

const deployment = find('Deployment');
const pod = deployment.spec.template.spec;
const container = pod.containers[0];
const env = Object.fromEntries(
  (container.env as Array<{ name: string; value: string }>).map((e) => [e.name, e.value]),
);
const setupSh = read('infra', 'gcp', 'setup.sh');
const functionEnv = Object.fromEntries(
  /--set-env-vars "([^"]+)"/
    .exec(setupSh)![1]!
    .split(',')
    .map((kv) => kv.split('=') as [string, string]),
);
const shellVar = (name: string): string => new RegExp(`^${name}=(\\S+)$`, 'm').exec(setupSh)![1]!;

describe('Kubernetes manifests', () => {
  it('kustomization lists every manifest', () => {
    const listed = (parse(read('infra', 'k8s', 'kustomization.yaml')) as Obj).resources as string[];
    const files = readdirSync(k8s).filter((f) => f.endsWith('.yaml') && f !== 'kustomization.yaml');
    expect([...listed].sort()).toEqual(files.sort());
  });

  it('every object lives in the maskops namespace', () => {
    for (const d of docs.filter((x) => x.kind !== 'Namespace')) {
      expect([d.kind, d.metadata.namespace]).toEqual([d.kind, find('Namespace').metadata.name]);
    }
  });

  it('selectors of the Deployment, Service and PDB match the pod labels', () => {
    const labels = deployment.spec.template.metadata.labels;
    const matches = (sel: Obj) => Object.entries(sel).every(([k, v]) => labels[k] === v);
    expect(matches(deployment.spec.selector.matchLabels)).toBe(true);
    expect(matches(find('Service').spec.selector)).toBe(true);
    expect(matches(find('PodDisruptionBudget').spec.selector.matchLabels)).toBe(true);
  });

  it('the Service and the probes use a port the container declares, on the configured PORT', () => {
    const ports = container.ports as Array<{ name: string; containerPort: number }>;
    const http = ports.find((p) => p.name === find('Service').spec.ports[0].targetPort);
    expect(http?.containerPort).toBe(Number(env.PORT));
    for (const probe of ['startupProbe', 'readinessProbe', 'livenessProbe']) {
      expect(ports.map((p) => p.name)).toContain(container[probe].httpGet.port);
    }
  });

  it('probes hit the routes of the inference-api contract', () => {
    expect(container.readinessProbe.httpGet.path).toBe('/readyz');
    expect(container.startupProbe.httpGet.path).toBe('/readyz');
    expect(container.livenessProbe.httpGet.path).toBe('/healthz');
    // The startup probe must allow for a slow model load.
    expect(
      container.startupProbe.periodSeconds * container.startupProbe.failureThreshold,
    ).toBeGreaterThanOrEqual(120);
  });

  it('rolls out without losing capacity and drains within the grace period', () => {
    expect(deployment.spec.strategy.rollingUpdate.maxUnavailable).toBe(0);
    expect(deployment.spec.strategy.rollingUpdate.maxSurge).not.toBe(0);
    const preStop = container.lifecycle.preStop.exec.command as string[];
    expect(preStop[0]).toBe('sleep');
    const needed =
      Number(preStop[1]) +
      Number(env.SHUTDOWN_GRACE_MS) / 1000 +
      Number(env.SHUTDOWN_DELAY_MS) / 1000;
    expect(pod.terminationGracePeriodSeconds).toBeGreaterThan(needed);
  });

  it('no good build is rolled back for being slow: startup budget < progress deadline < watch < function timeout', () => {
    const probe = container.startupProbe;
    const startupBudget =
      (probe.initialDelaySeconds ?? 0) + probe.failureThreshold * probe.periodSeconds;
    const deadline = deployment.spec.progressDeadlineSeconds as number;
    expect(functionEnv.ROLLOUT_TIMEOUT_SECONDS).toBe('${ROLLOUT_TIMEOUT_SECONDS}');
    const watch = Number(shellVar('ROLLOUT_TIMEOUT_SECONDS'));
    expect(setupSh).toContain('--timeout "${FUNCTION_TIMEOUT_SECONDS}s"');
    const functionTimeout = Number(shellVar('FUNCTION_TIMEOUT_SECONDS'));
    // A cold Autopilot node and a large image pull come before the probe starts.
    expect(deadline).toBeGreaterThanOrEqual(startupBudget + 60);
    // The Deployment reports ProgressDeadlineExceeded while the deployer still watches…
    expect(watch).toBeGreaterThanOrEqual(deadline + 30);
    // …and the rollback and the acknowledgement fit in the function's own timeout,
    // which is at most 540 s for event-driven functions.
    expect(watch).toBeLessThanOrEqual(functionTimeout - 30);
    expect(functionTimeout).toBeLessThanOrEqual(540);
    // The deadline counts per step of a rollout; all new pods start in one step.
    expect(deployment.spec.strategy.rollingUpdate.maxSurge).toBe('100%');
  });

  it('leaves the replica count to the HPA', () => {
    expect(deployment.spec.replicas).toBeUndefined();
    expect(find('HorizontalPodAutoscaler').spec.minReplicas).toBeGreaterThanOrEqual(2);
  });

  it('runs as non-root with a read-only root filesystem and a writable /tmp', () => {
    expect(pod.securityContext.runAsNonRoot).toBe(true);
    expect(container.securityContext.readOnlyRootFilesystem).toBe(true);
    expect(container.securityContext.allowPrivilegeEscalation).toBe(false);
    const tmp = (container.volumeMounts as Obj[]).find((m) => m.mountPath === '/tmp');
    expect((pod.volumes as Obj[]).find((v) => v.name === tmp?.name)?.emptyDir).toBeDefined();
    expect(env.MODEL_CACHE_DIR?.startsWith('/tmp/')).toBe(true);
  });

  it('the HPA scales this Deployment and keeps at least the PDB minimum', () => {
    const hpa = find('HorizontalPodAutoscaler');
    expect(hpa.spec.scaleTargetRef).toMatchObject({
      kind: 'Deployment',
      name: deployment.metadata.name,
    });
    expect(hpa.spec.minReplicas).toBeGreaterThan(find('PodDisruptionBudget').spec.minAvailable);
  });

  it('the deployer Role allows exactly what the function does, on this Deployment only', () => {
    const role = find('Role');
    expect(role.rules).toHaveLength(1);
    expect(role.rules[0].resourceNames).toEqual([deployment.metadata.name]);
    expect([...role.rules[0].verbs].sort()).toEqual(['get', 'list', 'patch', 'watch']);
    expect(find('RoleBinding').roleRef.name).toBe(role.metadata.name);
  });

  it('every env setting of the pod is one the inference-api reads', () => {
    const configSource = read('packages', 'inference-api', 'src', 'config.ts');
    for (const name of Object.keys(env))
      expect([name, configSource.includes(`'${name}'`)]).toEqual([name, true]);
  });
});

describe('deployer settings in setup.sh', () => {
  it('point at the Deployment and container of the manifests', () => {
    expect(functionEnv.DEPLOYMENT).toBe('${DEPLOYMENT}');
    expect(shellVar('DEPLOYMENT')).toBe(deployment.metadata.name);
    expect(shellVar('CONTAINER')).toBe(container.name);
    expect(functionEnv.CONTAINER).toBe('${CONTAINER}');
    expect(functionEnv.NAMESPACE).toBe('${NAMESPACE}');
    expect(shellVar('NAMESPACE')).toBe(deployment.metadata.namespace);
  });

  it('are all settings the function reads', () => {
    const configSource = read('packages', 'deployer-fn', 'src', 'config.ts');
    for (const name of Object.keys(functionEnv))
      expect([name, configSource.includes(`'${name}'`)]).toEqual([name, true]);
  });
});

describe('Dockerfile', () => {
  const dockerfile = read('packages', 'inference-api', 'Dockerfile');
  it('runs as the pod user, exposes the container port and has no HEALTHCHECK', () => {
    expect(dockerfile).toMatch(new RegExp(`^USER ${pod.securityContext.runAsUser}:`, 'm'));
    expect(dockerfile).toMatch(new RegExp(`^EXPOSE ${env.PORT}$`, 'm'));
    expect(dockerfile).not.toMatch(/^HEALTHCHECK/m);
    expect(dockerfile).toMatch(new RegExp(`MODEL_PATH=${env.MODEL_PATH}`));
    expect(dockerfile).toMatch(/MASKOPS_BUILD_ID=\$\{BUILD_ID\}/);
    expect(dockerfile).toMatch(/MASKOPS_COMMIT_SHA=\$\{COMMIT_SHA\}/);
  });
  it('copies every workspace manifest so the frozen lockfile resolves', () => {
    for (const pkg of readdirSync(join(root, 'packages'))) {
      expect(dockerfile).toContain(`COPY packages/${pkg}/package.json packages/${pkg}/`);
    }
  });
});

describe('cloudbuild.yaml', () => {
  const cloudbuild = parse(read('cloudbuild.yaml')) as Obj;
  const text = read('cloudbuild.yaml');
  it('declares every user substitution it uses', () => {
    const used = new Set([...text.matchAll(/\$\{(_[A-Z0-9_]+)/g)].map((m) => m[1]!));
    expect([...used].filter((u) => !(u in cloudbuild.substitutions))).toEqual([]);
  });
  it('pushes the tagged image through `images`, so results.images carries the digest', () => {
    expect(cloudbuild.images).toEqual(['${_IMAGE}:${_IMAGE_TAG}']);
    const build = cloudbuild.steps.find((s: Obj) => s.id === 'image');
    expect(build.args).toContain('--tag=${_IMAGE}:${_IMAGE_TAG}');
    const file = (build.args as string[])
      .find((a) => a.startsWith('--file='))!
      .slice('--file='.length);
    expect(existsSync(join(root, file))).toBe(true);
    expect(build.args).toContain('--build-arg=BUILD_ID=${BUILD_ID}');
  });
  it("leaves notifications to Cloud Build's own cloud-builds topic, the one the function listens to", () => {
    expect(cloudbuild.options.pubsubTopic).toBeUndefined();
    expect(text).not.toContain('_NOTIFY_TOPIC');
    expect(shellVar('TOPIC')).toBe('cloud-builds');
    expect(setupSh).toContain('--trigger-topic "$TOPIC"');
  });
  it('gives builds without a trigger (no SHORT_SHA, no COMMIT_SHA) a valid image name', () => {
    // Built-ins every build has; the trigger-only ones are empty on `gcloud builds submit`.
    const always: Record<string, string> = {
      PROJECT_ID: 'demo-proj-1',
      BUILD_ID: '2f1c1c4e-6a43-4e0a-a0c4-8b7bd3f4b1a2',
      PROJECT_NUMBER: '123456789012',
      LOCATION: 'us-central1',
    };
    const substitute = (v: string): string =>
      v.replace(/\$\{(\w+)\}/g, (_all, name: string) =>
        name.startsWith('_')
          ? substitute(String(cloudbuild.substitutions[name]))
          : (always[name] ?? ''),
      );
    const image = substitute(cloudbuild.images[0]);
    // Docker reference: host/path:tag, tag [\w][\w.-]{0,127}.
    expect(image).toMatch(/^[a-z0-9.-]+\/[a-z0-9._/-]+:[\w][\w.-]{0,127}$/);
    // User-specified build service accounts need logs to go somewhere other than the default bucket.
    expect(cloudbuild.options.logging).toBe('CLOUD_LOGGING_ONLY');
  });
  it('builds the image repository that setup.sh configures the deployer with', () => {
    expect(cloudbuild.substitutions._IMAGE).toBe(
      'us-central1-docker.pkg.dev/${PROJECT_ID}/maskops/inference-api',
    );
    expect(setupSh).toContain('IMAGE="${REGION}-docker.pkg.dev/${PROJECT}/${REPO}/inference-api"');
  });
});

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
    expect(monitoring!.kind).toBe('PodMonitoring');
    expect(monitoring!.metadata.namespace).toBe(deployment.metadata.namespace);
    const labels = deployment.spec.template.metadata.labels;
    for (const [k, v] of Object.entries(monitoring!.spec.selector.matchLabels as Obj)) {
      expect(labels[k]).toBe(v);
    }
    expect(monitoring!.spec.endpoints).toEqual([
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
