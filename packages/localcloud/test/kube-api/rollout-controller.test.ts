import { PatchStrategy, setHeaderOptions, Watch } from '@kubernetes/client-node';
import type { V1Deployment } from '@kubernetes/client-node';
import { sleep } from '@maskops/shared';
import { deploymentFixture } from '../../src/kube-api/deployment-object';
import { startKubeApi } from '../../src/kube-api/server';
import type { KubeApiServer } from '../../src/kube-api/server';
import { waitFor } from '../helpers';
import { appsApi, kubeConfigFor } from '../kube-client';

/** What the checks read, in both the stand-in's view and the client's V1Deployment. */
type RolloutStatus = {
  observedGeneration?: number;
  replicas?: number;
  updatedReplicas?: number;
  availableReplicas?: number;
  conditions?: Array<{ type: string; status: string; reason?: string }>;
};
type Dep = {
  metadata?: { name?: string; generation?: number; resourceVersion?: string };
  spec?: { replicas?: number };
  status?: RolloutStatus;
};

function progressing(d: Dep | undefined): { status?: string; reason?: string } | undefined {
  return d?.status?.conditions?.find((c) => c.type === 'Progressing');
}

function complete(d: Dep | undefined): boolean {
  const s = d?.status ?? {};
  return (
    s.observedGeneration === d?.metadata?.generation &&
    s.updatedReplicas === d?.spec?.replicas &&
    s.availableReplicas === d?.spec?.replicas &&
    s.replicas === d?.spec?.replicas &&
    progressing(d)?.reason === 'NewReplicaSetAvailable'
  );
}

describe('rollout controller', () => {
  let kube: KubeApiServer;
  let n = 0;
  let name: string;

  beforeAll(async () => {
    kube = await startKubeApi({ rolloutStepMs: 5 });
  });
  afterAll(() => kube.close());
  beforeEach(() => {
    name = `app-${++n}`;
    kube.putDeployment(deploymentFixture({ name, image: 'repo/app:1', replicas: 3 }));
  });

  const setImage = (image: string) =>
    appsApi(kube).patchNamespacedDeployment(
      {
        name,
        namespace: 'default',
        body: { spec: { template: { spec: { containers: [{ name, image }] } } } },
      },
      setHeaderOptions('Content-Type', PatchStrategy.StrategicMergePatch),
    );
  const read = () => kube.getDeployment('default', name);

  it('steps a rollout forward to NewReplicaSetAvailable, visible to a client-node Watch', async () => {
    const seen: Array<V1Deployment & { type: string }> = [];
    const watch = new Watch(kubeConfigFor(kube));
    const start = kube.getDeployment('default', name)?.metadata.resourceVersion as string;
    const controller = await watch.watch(
      '/apis/apps/v1/namespaces/default/deployments',
      { fieldSelector: `metadata.name=${name}`, resourceVersion: start },
      (type, obj: V1Deployment) => seen.push({ type, ...obj }),
      () => undefined,
    );
    const patched = await setImage('repo/app:2');
    expect(patched.status?.observedGeneration).toBe(1);
    await waitFor(
      () => seen.at(-1),
      (d) => complete(d),
    );
    controller.abort();

    const generation = patched.metadata?.generation;
    expect(seen.every((e) => e.type === 'MODIFIED' && e.metadata?.name === name)).toBe(true);
    // Until the controller observes the new generation, status still describes the old rollout.
    const steps = seen
      .filter((e) => e.status?.observedGeneration === generation)
      .map((e) => e.status);
    // Replicas come up one at a time, and the old ReplicaSet drains as they become available.
    const updated = steps.map((s) => s?.updatedReplicas ?? 0);
    expect(updated).toEqual([...updated].sort((a, b) => a - b));
    expect(new Set(updated)).toEqual(new Set([0, 1, 2, 3]));
    expect(steps.some((s) => progressing({ status: s })?.reason === 'ReplicaSetUpdated')).toBe(
      true,
    );
    expect(Math.max(...steps.map((s) => s?.replicas ?? 0))).toBe(4);
    const versions = seen.map((e) => Number(e.metadata?.resourceVersion));
    expect(versions).toEqual([...new Set(versions)].sort((a, b) => a - b));
    expect(read()?.metadata.annotations?.['deployment.kubernetes.io/revision']).toBe('2');
  });

  it("'fail' mode ends in ProgressDeadlineExceeded with updatedReplicas stuck", async () => {
    kube.setRolloutMode('default', name, 'fail');
    await setImage('repo/app:bad');
    const d = await waitFor(read, (x) => progressing(x)?.reason === 'ProgressDeadlineExceeded');
    expect(progressing(d)?.status).toBe('False');
    expect(d?.status.observedGeneration).toBe(d?.metadata.generation);
    expect(d?.status.updatedReplicas).toBe(1);
    expect(d?.status.availableReplicas).toBe(3);
  });

  it("'hang' mode observes the generation but never makes new replicas available", async () => {
    kube.setRolloutMode('default', name, 'hang');
    const patched = await setImage('repo/app:slow');
    await waitFor(
      read,
      (x) =>
        x?.status.observedGeneration === patched.metadata?.generation &&
        x?.status.updatedReplicas === 1,
    );
    await sleep(100);
    const d = read();
    expect(progressing(d)).toMatchObject({ status: 'True', reason: 'ReplicaSetUpdated' });
    expect(d?.status.updatedReplicas).toBe(1);
    expect(complete(d)).toBe(false);
  });

  it('rolls back to the previous template after a failure when the mode allows it', async () => {
    kube.setImageRolloutMode('repo/app:broken', 'fail');
    await setImage('repo/app:broken');
    await waitFor(read, (x) => progressing(x)?.reason === 'ProgressDeadlineExceeded');
    const rolledBack = await setImage('repo/app:1');
    expect(rolledBack.metadata?.generation).toBe(3);
    const d = await waitFor(read, complete);
    expect(d?.spec.template.spec.containers[0].image).toBe('repo/app:1');
    expect(d?.metadata.annotations?.['deployment.kubernetes.io/revision']).toBe('3');
  });

  it('applies a mode change to the next rollout, and scales without a template change', async () => {
    await setImage('repo/app:2');
    kube.setRolloutMode('default', name, 'fail');
    await waitFor(read, complete);
    const scaled = await appsApi(kube).patchNamespacedDeployment(
      { name, namespace: 'default', body: { spec: { replicas: 5 } } },
      setHeaderOptions('Content-Type', PatchStrategy.MergePatch),
    );
    const d = await waitFor(
      read,
      (x) => x?.status.observedGeneration === scaled.metadata?.generation && complete(x),
    );
    expect(d?.status.availableReplicas).toBe(5);
  });

  it("'external' mode leaves status to the caller's setDeploymentStatus", async () => {
    kube.setRolloutMode('default', name, 'external');
    const patched = await setImage('repo/app:ext');
    await sleep(50);
    expect(read()?.status.observedGeneration).toBe(1);
    kube.setDeploymentStatus('default', name, {
      observedGeneration: patched.metadata?.generation,
      replicas: 7,
    });
    const d = read();
    expect(d?.status).toEqual({ observedGeneration: 2, replicas: 7 });
    expect(Number(d?.metadata.resourceVersion)).toBeGreaterThan(
      Number(patched.metadata?.resourceVersion),
    );
  });
});
