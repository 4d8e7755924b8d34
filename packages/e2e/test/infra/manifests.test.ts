/**
 * The GKE manifests and setup.sh name the same things (deployment, container,
 * ports, probe paths, grace periods, env settings, deadlines) in different files.
 * These checks keep them pointing at each other.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import {
  canaryDeployment,
  canaryFunctionEnv,
  container,
  deployment,
  docs,
  env,
  find,
  functionEnv,
  k8s,
  type Obj,
  pod,
  read,
  root,
  setupSh,
  shellVar,
} from '../helpers/infra-files';

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

  it('the deployer Role allows exactly what the function does, on the two Deployments only', () => {
    const role = find('Role');
    expect(role.rules).toHaveLength(1);
    expect(role.rules[0].resourceNames).toEqual([
      deployment.metadata.name,
      canaryDeployment.metadata.name,
    ]);
    expect([...role.rules[0].verbs].sort()).toEqual(['get', 'list', 'patch', 'watch']);
    expect(find('RoleBinding').roleRef.name).toBe(role.metadata.name);
  });

  it('every env setting of the pod is one the inference-api reads', () => {
    // The settings are read by src/config.ts and the readers in src/config/.
    const readers = readdirSync(join(root, 'packages', 'inference-api', 'src', 'config'))
      .filter((f) => f.endsWith('.ts'))
      .map((f) => read('packages', 'inference-api', 'src', 'config', f));
    const configSource = [read('packages', 'inference-api', 'src', 'config.ts'), ...readers].join(
      '\n',
    );
    for (const name of Object.keys(env))
      expect([name, configSource.includes(`'${name}'`)]).toEqual([name, true]);
  });
});

describe('the canary track', () => {
  const TRACK = 'maskops.dev/track';
  const NAME = 'app.kubernetes.io/name';

  it('is <DEPLOYMENT>-canary, the name the deployer derives', () => {
    expect(canaryDeployment.metadata.name).toBe(`${deployment.metadata.name}-canary`);
    expect(canaryDeployment.metadata.namespace).toBe(deployment.metadata.namespace);
  });

  it('stable and canary select disjoint pods by track; the Service selects both', () => {
    expect(deployment.spec.selector.matchLabels).toEqual({
      [NAME]: 'inference-api',
      [TRACK]: 'stable',
    });
    expect(canaryDeployment.spec.selector.matchLabels).toEqual({
      [NAME]: 'inference-api',
      [TRACK]: 'canary',
    });
    expect(canaryDeployment.spec.template.metadata.labels[TRACK]).toBe('canary');
    // Traffic follows the replica ratio only if the Service ignores the track.
    expect(find('Service').spec.selector).toEqual({ [NAME]: 'inference-api' });
  });

  it('runs exactly the stable pod spec, from 0 replicas', () => {
    expect(canaryDeployment.spec.replicas).toBe(0);
    expect(canaryDeployment.spec.template.spec).toEqual(pod);
    const { replicas: _r, selector: _s, template: _t, ...rest } = canaryDeployment.spec;
    const { selector: _s2, template: _t2, ...stableRest } = deployment.spec;
    expect(rest).toEqual(stableRest);
  });

  it('both tracks get MASKOPS_TRACK from their own pod label (downward API)', () => {
    for (const d of [deployment, canaryDeployment]) {
      const e = (d.spec.template.spec.containers[0].env as Obj[]).find(
        (x) => x.name === 'MASKOPS_TRACK',
      );
      expect(e?.valueFrom?.fieldRef?.fieldPath).toBe(`metadata.labels['${TRACK}']`);
    }
  });

  it('the HPA and the PDB keep to the stable track', () => {
    expect(find('HorizontalPodAutoscaler').spec.scaleTargetRef.name).toBe(deployment.metadata.name);
    expect(find('PodDisruptionBudget').spec.selector.matchLabels[TRACK]).toBe('stable');
  });

  it('--canary sets settings the function reads, on the queue and identity setup.sh makes', () => {
    const sources = [
      read('packages', 'deployer-fn', 'src', 'config.ts'),
      read('packages', 'deployer-fn', 'src', 'canary', 'canary-config.ts'),
    ].join('\n');
    for (const name of Object.keys(canaryFunctionEnv))
      expect([name, sources.includes(`'${name}'`)]).toEqual([name, true]);
    expect(canaryFunctionEnv).toMatchObject({
      ROLLOUT_STRATEGY: 'canary',
      CANARY_TASKS_QUEUE: 'projects/${PROJECT}/locations/${REGION}/queues/${CANARY_QUEUE}',
      CANARY_TASKS_SERVICE_ACCOUNT: '${DEPLOYER_SA}',
      FUNCTION_URL: '${FUNCTION_URL}',
    });
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
